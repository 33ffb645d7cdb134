import { test } from 'tap'
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server'

// A canary for docs/mcp.md "No MCP Tasks yet": the server SDK the endpoint runs on
// (@modelcontextprotocol/server) cannot answer a task-augmented tools/call with a CreateTaskResult
// and has no tasks/get. When an SDK upgrade makes this fail, MCP Tasks for the batch tools can be
// built on it (backed by the jobs service) and the doc updated.

test('the server SDK has no MCP Tasks: no CreateTaskResult from tools/call, no tasks/get', async (t) => {
  const now = new Date().toISOString()
  const handler = createMcpHandler(() => {
    const server = new McpServer({ name: 'probe', version: '1' }, { capabilities: { tools: {} } })
    server.registerTool('long', { description: 'a tool that would run as a task' }, async () =>
      ({ task: { taskId: 't1', status: 'working', ttl: 60_000, createdAt: now, lastUpdatedAt: now } }) as never)
    return server
  })
  t.teardown(() => handler.close())
  const post = async (id: number, method: string, params: object) => {
    const res = await handler.fetch(new Request('http://127.0.0.1/mcp', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id, method, params })
    }))
    const data = (await res.text()).split('\n').find((line) => line.startsWith('data: ')) ?? ''
    return JSON.parse(data.slice('data: '.length)) as { result?: { capabilities?: object }, error?: { code: number, message: string } }
  }
  const init = await post(0, 'initialize', { protocolVersion: '2025-11-25', capabilities: { tasks: {} }, clientInfo: { name: 'probe', version: '1' } })
  t.notOk('tasks' in (init.result?.capabilities ?? {}), 'no tasks capability offered')
  const call = await post(1, 'tools/call', { name: 'long', arguments: {}, task: { ttl: 60_000 } })
  t.match(call.error, { code: -32602, message: /content is required when the body carries 'task'/ }, 'a CreateTaskResult is refused as a tools/call result')
  t.match((await post(2, 'tasks/get', { taskId: 't1' })).error, { code: -32601 }, 'tasks/get: method not found')
})
