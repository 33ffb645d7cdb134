// Idle sockets against a gateway with its default settings (README, "Connections"):
//   npx tsx bench/reliability/idle-sockets.ts            (BENCH_SOCKETS=3000, BENCH_SECONDS=5 by default)
// Opens BENCH_SOCKETS connections that send nothing, and reports as JSON when the gateway closed
// them (each measured from its own opening, against HEADERS_TIMEOUT_MS and Node's check interval)
// and GET /health's latency before and while they are open, side by side (autocannon, same settings).
import { connect, type Socket } from 'node:net'
import autocannon from 'autocannon'
import { loadConfig } from '../../services/config.js'
import { checkIntervalMs } from '../../services/connections.js'
import { startSandbox } from '../../sandbox/index.js'
import { gatewayEnv, sleep, spawnServer } from '../servers.js'

const SOCKETS = Number(process.env.BENCH_SOCKETS ?? 3000)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
/** autocannon's connections to /health (opened before the idle ones in the `before` run, after them in `during`) */
const CONNECTIONS = 10

interface Idle { socket: Socket, openedAt: number, closedAt?: number, answer: string }

const pct = (sorted: number[], p: number) => sorted.length === 0 ? null : Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))])

async function health (port: number) {
  const result = await autocannon({ url: `http://127.0.0.1:${port}/health`, connections: CONNECTIONS, duration: SECONDS })
  return { requests_per_s: Math.round(result.requests.average), p50_ms: result.latency.p50, p99_ms: result.latency.p99, max_ms: result.latency.max, non_2xx: result.non2xx, errors: result.errors, timeouts: result.timeouts }
}

/** Open `n` connections that send nothing, in batches (a SYN flood of our own would only measure the kernel's backlog). */
async function openIdle (port: number, n: number): Promise<Idle[]> {
  const idle: Idle[] = []
  for (let i = 0; i < n; i += 200) {
    await Promise.all(Array.from({ length: Math.min(200, n - i) }, () => new Promise<void>((resolve) => {
      const entry: Idle = { socket: connect(port, '127.0.0.1'), openedAt: performance.now(), answer: '' }
      entry.socket.on('data', (chunk: Buffer) => { entry.answer += chunk.toString('latin1') })
      entry.socket.on('error', () => {})
      entry.socket.once('close', () => { entry.closedAt = performance.now() })
      entry.socket.once('connect', () => { entry.openedAt = performance.now(); resolve() })
      entry.socket.once('close', () => resolve())
      idle.push(entry)
    })))
  }
  return idle
}

async function main (): Promise<void> {
  const sb = await startSandbox({ seed: 42, logger: false })
  const env = gatewayEnv(sb)
  const config = loadConfig(env)
  const gateway = await spawnServer('gateway', env)
  try {
    await health(gateway.port) // warm-up: the first run pays for JIT compilation
    const before = await health(gateway.port)
    const idle = await openIdle(gateway.port, SOCKETS)
    const opened = performance.now()
    const during = await health(gateway.port)
    const stillOpenAfterLoad = idle.filter((s) => s.closedAt === undefined).length
    // README: closed at most 1 s after HEADERS_TIMEOUT_MS (Node looks every checkIntervalMs, then closes all it found)
    const bound = config.HEADERS_TIMEOUT_MS + 1000
    const end = opened + bound + 10_000
    while (idle.some((s) => s.closedAt === undefined) && performance.now() < end) await sleep(100)
    const lifetimes = idle.filter((s) => s.closedAt !== undefined).map((s) => (s.closedAt as number) - s.openedAt).sort((a, b) => a - b)
    const after = await health(gateway.port)
    for (const s of idle) s.socket.destroy()
    const closedInTime = lifetimes.filter((ms) => ms <= bound).length
    console.log(JSON.stringify({
      idle_sockets: SOCKETS,
      headers_timeout_ms: config.HEADERS_TIMEOUT_MS,
      check_interval_ms: checkIntervalMs(config.HEADERS_TIMEOUT_MS),
      open_while_health_was_measured: stillOpenAfterLoad,
      closed: lifetimes.length,
      bound_ms: bound,
      closed_within_bound: closedInTime,
      all_closed_in_time: closedInTime === SOCKETS,
      answered_408: idle.filter((s) => s.answer.startsWith('HTTP/1.1 408')).length,
      closed_after_ms: { min: pct(lifetimes, 0), p50: pct(lifetimes, 0.5), max: pct(lifetimes, 1) },
      health: { before, during, after },
      p99_during_vs_before: before.p99_ms === 0 ? null : Number((during.p99_ms / before.p99_ms).toFixed(2)),
      requests_per_s_during_vs_before: before.requests_per_s === 0 ? null : Number((during.requests_per_s / before.requests_per_s).toFixed(2))
    }, null, 2))
  } finally {
    await gateway.close()
    await sb.close()
  }
}

await main()
