import { test, type Test } from 'tap'
import { createServer } from 'node:http'
import { Type } from '@sinclair/typebox'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { OPEN_CALLER } from '../../../services/auth.js'
import { createMcpEndpoint } from '../../../services/mcp/endpoint.js'
import type { McpTool } from '../../../services/mcp/tools.js'

interface Logged { level: 'info' | 'error', entry: Record<string, unknown>, msg: string }

/** The endpoint alone on a bare node:http server, with tools made for the test. */
async function endpointWith (t: Test, tools: McpTool[]) {
  const logged: Logged[] = []
  const log = {
    info: (entry: Record<string, unknown>, msg: string) => { logged.push({ level: 'info', entry, msg }) },
    error: (entry: Record<string, unknown>, msg: string) => { logged.push({ level: 'error', entry, msg }) }
  }
  const endpoint = createMcpEndpoint({ tools, models: [], version: '9.9.9' })
  const server = createServer((req, res) => {
    let raw = ''
    req.on('data', (chunk: Buffer) => { raw += chunk.toString() })
    req.on('end', () => {
      endpoint.handle(req, res, raw === '' ? undefined : JSON.parse(raw), { context: { logger: { warn () {} }, caller: OPEN_CALLER }, log: log as never, requestId: 'req-42' }).catch(() => {})
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const { port } = server.address() as { port: number }
  const client = new Client({ name: 't', version: '1' })
  await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/`)))
  t.teardown(() => client.close())
  return { client, logged }
}

const probe = (call: McpTool['call']): McpTool => ({
  name: 'probe',
  description: 'A tool of the test',
  scope: 'read',
  annotations: { readOnlyHint: true },
  input: Type.Object({ n: Type.Integer() }),
  output: Type.Object({ n: Type.Integer() }),
  call
})

test('a bug in a tool is an isError result with the request id, never its message or stack; logged as an error', async (t) => {
  const { client, logged } = await endpointWith(t, [probe(async () => { throw new TypeError('secret-token-abc is undefined') })])
  t.equal(client.getServerVersion()?.version, '9.9.9')
  const result = await client.callTool({ name: 'probe', arguments: { n: 1 } })
  t.equal(result.isError, true)
  const text = (result.content as Array<{ text: string }>)[0].text
  t.match(text, /^probe failed: TypeError \(HTTP 500\): Internal server error - operation may have partially completed\nRequest id: req-42\.$/)
  t.notMatch(text, /secret-token-abc|at /, 'no message, no stack')
  const entry = logged.find((l) => l.msg === 'mcp tool call failed')
  t.equal(entry?.level, 'error')
  t.match(entry?.entry, { tool: 'probe', status: 500, err: TypeError })
})

test('a result that breaks its own output schema is refused by the server, not passed on', async (t) => {
  const { client } = await endpointWith(t, [probe(async () => ({ result: { n: 'one' }, json: '{"n":"one"}', summary: 'wrong' }))])
  const result = await client.callTool({ name: 'probe', arguments: { n: 1 } })
  t.equal(result.isError, true)
  t.match((result.content as Array<{ text: string }>)[0].text, /Invalid structured content for tool probe: result\/n must be integer/)
})

test('arguments are validated against the input schema before the tool runs, without coercion', async (t) => {
  let runs = 0
  const { client } = await endpointWith(t, [probe(async (args) => { runs++; return { result: args as Record<string, unknown>, json: JSON.stringify(args), summary: 'ok' } })])
  const bad = await client.callTool({ name: 'probe', arguments: { n: '1' } })
  t.equal(bad.isError, true)
  t.equal(runs, 0, 'the tool never ran')
  const good = await client.callTool({ name: 'probe', arguments: { n: 1 } })
  t.same(good.structuredContent, { n: 1 })
  t.equal(runs, 1)
})
