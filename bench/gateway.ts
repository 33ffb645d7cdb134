// A gateway (or a bare Fastify server) in its own process, driven by bench/run.ts over IPC.
import Fastify from 'fastify'
import app, { serverOptions } from '../app.js'
import { loadConfig } from '../services/config.js'

type Command = { cmd: 'memory', gc?: boolean } | { cmd: 'close' }

async function main (): Promise<void> {
  const mode = process.argv[2] ?? 'gateway'
  let server
  if (mode === 'bare') {
    // Bare Fastify routes returning the same payload as the gateway's batch response:
    // /bare serializes the object on every request (as any JSON route does), /bare-static sends a prebuilt string.
    const payload = process.env.BENCH_PAYLOAD ?? '{}'
    const object: unknown = JSON.parse(payload)
    server = Fastify({ logger: false })
    server.post('/bare', async () => object)
    server.post('/bare-static', async (_request, reply) => reply.type('application/json; charset=utf-8').send(payload))
  } else {
    const config = loadConfig(process.env)
    server = Fastify(serverOptions(config, { logger: { level: config.LOG_LEVEL } }))
    await server.register(app, { config })
  }
  await server.listen({ host: '127.0.0.1', port: 0 })
  const address = server.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  process.send?.({ ready: true, port })
  process.on('message', (message: Command) => {
    if (message.cmd === 'memory') {
      // after a full collection when asked (and the process runs with --expose-gc): what stays
      if (message.gc === true) (globalThis as { gc?: () => void }).gc?.()
      const { rss, heapUsed } = process.memoryUsage()
      process.send?.({ memory: { rss, heapUsed } })
    }
    if (message.cmd === 'close') server.close().then(() => process.exit(0), () => process.exit(1))
  })
}

await main()
