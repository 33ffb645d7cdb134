import t from 'tap'
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
