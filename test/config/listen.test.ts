import t from 'tap'
import type { Test } from 'tap'
import { createServer } from 'node:net'
import { startServer } from '../reliability/child.js'

// HOST and PORT: server.ts listens where they say (a port picked free for the test; loopback only).

async function freePort (): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const address = probe.address()
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  return typeof address === 'object' && address !== null ? address.port : 0
}

t.test('HOST and PORT: the gateway listens on that address and port', async (t) => {
  const port = await freePort()
  const server = startServer(t, { HOST: '127.0.0.1', PORT: String(port) })
  t.equal(await server.url, `http://127.0.0.1:${port}`, 'the listening line names HOST:PORT')
  const health = await fetch(`http://127.0.0.1:${port}/health`)
  t.equal(health.status, 200, 'and it answers there')
  server.kill('SIGTERM')
  t.same(await server.exit, { code: 0, signal: null })
})

/** The stderr of a server.ts that could not start: exactly one line, no stack, no JSON. */
function oneLine (t: Test, stderr: string): string {
  const lines = stderr.trim().split('\n')
  t.equal(lines.length, 1, `exactly one line on stderr: ${stderr}`)
  t.notMatch(stderr, /at .*\.ts:\d+|^\{/m, 'no stack trace, no JSON')
  return lines[0]
}

t.test('a busy PORT ends the start with one line naming the port, exit 1', async (t) => {
  const busy = createServer()
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve))
  t.teardown(() => busy.close())
  const port = (busy.address() as { port: number }).port
  const server = startServer(t, { HOST: '127.0.0.1', PORT: String(port) })
  t.same(await server.exit, { code: 1, signal: null })
  t.match(oneLine(t, server.stderr()), new RegExp(`^Cannot listen on 127\\.0\\.0\\.1:${port}: the port is already in use`))
})

t.test('a HOST that does not resolve ends the start with one line naming HOST, exit 1', async (t) => {
  const server = startServer(t, { HOST: 'nohost.invalid', PORT: '0' })
  t.same(await server.exit, { code: 1, signal: null })
  t.match(oneLine(t, server.stderr()), /^Cannot listen on nohost\.invalid:0: HOST "nohost\.invalid" does not resolve/)
})

t.test('an unknown NODE_ENV is warned about in one log line at start; a known one is not', async (t) => {
  const unknown = startServer(t, { NODE_ENV: 'prod' })
  await unknown.url
  const warnings = unknown.logs.filter((l) => /NODE_ENV/.test(String(l.msg)))
  t.equal(warnings.length, 1, 'one line')
  t.match(warnings[0], { level: 40, msg: /^NODE_ENV=prod is not one of production, development, test: it is treated as not production/ })
  unknown.kill('SIGTERM')
  await unknown.exit

  const known = startServer(t, { NODE_ENV: 'development' })
  await known.url
  t.equal(known.logs.filter((l) => /NODE_ENV/.test(String(l.msg))).length, 0, 'NODE_ENV=development: no warning')
  known.kill('SIGTERM')
  await known.exit
})
