// A gateway (or a bare Fastify server) in its own process, driven by bench/run.ts over IPC.
import { readFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import Fastify from 'fastify'
import type * as App from '../app.js'
import { loadConfig } from '../services/config.js'

type Command = { cmd: 'memory', gc?: boolean } | { cmd: 'profile', stop?: boolean } | { cmd: 'timings' } | { cmd: 'close' }

/**
 * BENCH_TIMINGS=1: when each request reached the app and when its answer was written (epoch ms), by
 * request id, and at both instants the event-loop thread's time on a core and time waiting for one
 * (runnable, queued by the kernel's scheduler), in ms, from Linux's /proc/thread-self/schedstat
 */
export interface Timing { id: string, status: number, start: number, end: number, cpu: [number, number], waited: [number, number] }

/** [on a core, waiting in the run queue] ms of this thread so far (NaN off Linux) */
function schedstat (): [number, number] {
  try {
    const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number)
    return [run / 1e6, wait / 1e6]
  } catch {
    return [Number.NaN, Number.NaN]
  }
}

const timings: Timing[] = []

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
    // BENCH_DIST=1: the compiled app (npm run build), as `npm start` runs it, rather than the sources through tsx
    const { default: app, serverOptions } = await import(process.env.BENCH_DIST === '1' ? '../dist/app.js' : '../app.js') as typeof App
    const config = loadConfig(process.env)
    server = Fastify(serverOptions(config, { logger: { level: config.LOG_LEVEL } }))
    if (process.env.BENCH_TIMINGS === '1') {
      // root hooks added before the app: they run first (onRequest) for every route of the app
      const epoch = () => performance.timeOrigin + performance.now()
      const started = new WeakMap<object, [number, [number, number]]>()
      server.addHook('onRequest', async (request) => { started.set(request, [epoch(), schedstat()]) })
      server.addHook('onResponse', async (request, reply) => {
        const [start, [cpu, waited]] = started.get(request) ?? [Number.NaN, [Number.NaN, Number.NaN]]
        const [cpuEnd, waitedEnd] = schedstat()
        timings.push({ id: request.id, status: reply.statusCode, start, end: epoch(), cpu: [cpu, cpuEnd], waited: [waited, waitedEnd] })
      })
    }
    await server.register(app, { config })
  }
  await server.listen({ host: '127.0.0.1', port: 0 })
  const address = server.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  process.send?.({ ready: true, port })
  let profiler: Session | undefined
  process.on('message', (message: Command) => {
    if (message.cmd === 'memory') {
      // after a full collection when asked (and the process runs with --expose-gc): what stays
      if (message.gc === true) (globalThis as { gc?: () => void }).gc?.()
      const { rss, heapTotal, heapUsed, external } = process.memoryUsage()
      process.send?.({ memory: { rss, heapTotal, heapUsed, external } })
    }
    if (message.cmd === 'profile') {
      // a CPU profile of what runs between start and stop (bench/profile.ts), not of the start
      const session = profiler ?? (profiler = new Session())
      const step = message.stop === true
        ? session.post('Profiler.stop').then(({ profile }) => process.send?.({ profile }))
        : (session.connect(), session.post('Profiler.enable').then(() => session.post('Profiler.start')).then(() => process.send?.({ profiling: true })))
      step.catch((err: unknown) => { throw err })
    }
    if (message.cmd === 'timings') process.send?.({ timings: timings.splice(0) })
    if (message.cmd === 'close') server.close().then(() => process.exit(0), () => process.exit(1))
  })
}

await main()
