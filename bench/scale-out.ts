// The `scale_out` section of npm run bench: three gateway processes sharing one Redis (REDIS_URL)
// against one gateway in memory, on the same sandbox account (15 / 1000 ms per IP, 20 per account,
// 20 ms latency): cold batch wall time (the shared budget is the bottleneck), upstream 429s,
// tokens, and warm req/s of each configuration, measured side by side in one run.
import autocannon from 'autocannon'
import type { RunningSandbox } from '../sandbox/index.js'
import { startRedis } from '../test/redis/server.js'
import { SHORT, post, shortWindowEnv, shortWindowSandbox, sleep, spawnServer, type Child } from './servers.js'

const WINDOW_MS = SHORT.windowMs
/** cold reservations per configuration: three batches of 20, one GET each */
const COLD_IDS = 60
const WARM_BODY = JSON.stringify({ ids: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] })
const WARM_CONNECTIONS = 99
const WARM_SECONDS = 8

export interface ScaleOutRun {
  cold_ms: number
  cold_success: number
  upstream_429: number
  tokens: number
  most_in_window_ip: number
  warm_rps: number
  warm_p99_ms: number
  warm_errors: number
}

async function start (n: number, sb: RunningSandbox, extra: Record<string, string>): Promise<Child[]> {
  return await Promise.all(Array.from({ length: n }, () => spawnServer('gateway', shortWindowEnv(sb, { BATCH_PLANNER: 'off', ...extra }))))
}

/** Cold: 60 uncached reservations in three concurrent batches spread over the gateways; then warm load on all of them at once. */
async function measure (sb: RunningSandbox, gateways: Child[], firstId: number): Promise<ScaleOutRun> {
  const before = await sb.stats()
  // the token (one for all, with Redis) and a fresh Redis' one-window wait come before the timing
  await Promise.all(gateways.map((g) => fetch(`http://127.0.0.1:${g.port}/ready`)))
  await sleep(WINDOW_MS + 300)
  const mid = await sb.stats()
  const batches = [0, 1, 2].map((b) => Array.from({ length: COLD_IDS / 3 }, (_, i) => firstId + b * (COLD_IDS / 3) + i))
  const t0 = performance.now()
  const answers = await Promise.all(batches.map((ids, b) => post(gateways[b % gateways.length].port, '/api/batch/bookings', { ids })))
  const coldMs = performance.now() - t0
  await Promise.all(gateways.map((g) => post(g.port, '/api/batch/listings', JSON.parse(WARM_BODY))))
  const per = Math.ceil(WARM_CONNECTIONS / gateways.length)
  const loads = await Promise.all(gateways.map((g) => autocannon({
    url: `http://127.0.0.1:${g.port}/api/batch/listings`, method: 'POST', headers: { 'content-type': 'application/json' }, body: WARM_BODY, connections: per, duration: WARM_SECONDS
  })))
  const after = await sb.stats()
  return {
    cold_ms: Math.round(coldMs),
    cold_success: answers.reduce((n, a) => n + a.json.success_count, 0),
    upstream_429: after.rate_limited - before.rate_limited,
    tokens: after.tokens_issued - before.tokens_issued,
    most_in_window_ip: Math.max(0, mid.max_in_window_ip, after.max_in_window_ip),
    warm_rps: Math.round(loads.reduce((n, l) => n + l.requests.average, 0)),
    warm_p99_ms: Math.max(...loads.map((l) => l.latency.p99)),
    warm_errors: loads.reduce((n, l) => n + l.errors + l.non2xx, 0)
  }
}

export async function scaleOut () {
  const teardowns: Array<() => unknown> = []
  const scope = { teardown: (fn: () => unknown) => { teardowns.push(fn) } }
  try {
    const run = async (n: number, redisUrl: string | undefined, firstId: number) => {
      // each configuration on a fresh sandbox: no run inherits another's rate windows or counts
      const sb = await shortWindowSandbox()
      const gateways = await start(n, sb, redisUrl === undefined ? {} : { REDIS_URL: redisUrl })
      try {
        return await measure(sb, gateways, firstId)
      } finally {
        await Promise.all(gateways.map((g) => g.close()))
        await sb.close()
      }
    }
    const one = await run(1, undefined, 1)
    const oneRedis = await run(1, (await startRedis(scope)).url, 1)
    const three = await run(3, (await startRedis(scope)).url, 1)
    return {
      setup: { limit_ip: 15, limit_account: 20, window_ms: WINDOW_MS, latency_ms: SHORT.latencyMs, cold_ids: COLD_IDS, warm_ids: 10, warm_connections: WARM_CONNECTIONS, warm_seconds: WARM_SECONDS },
      one_memory: one,
      one_redis: oneRedis,
      three_redis: three,
      cold_ratio_three_vs_one: +(three.cold_ms / one.cold_ms).toFixed(3),
      warm_ratio_three_vs_one: +(three.warm_rps / one.warm_rps).toFixed(3),
      warm_ratio_one_redis_vs_memory: +(oneRedis.warm_rps / one.warm_rps).toFixed(3)
    }
  } finally {
    for (const fn of teardowns.reverse()) await fn()
  }
}
