// The `scale_out` section of npm run bench: three gateway processes sharing one Redis (REDIS_URL)
// against one gateway in memory, on the same sandbox account (15 / 1000 ms per IP, 20 per account,
// 20 ms latency): cold batch wall time (the shared budget is the bottleneck), upstream 429s,
// tokens, and warm req/s of each configuration in alternating rounds, all of them running.
import type { RunningSandbox } from '../sandbox/index.js'
import { startRedis } from '../test/redis/server.js'
import { alternate, load, ratio, spread } from './rounds.js'
import { SHORT, post, shortWindowEnv, shortWindowSandbox, sleep, spawnServer, type Child } from './servers.js'

// for bench/compare.ts: scripts/structure.ts names a folder loop after the first import it meets
export { startRedis }

const WINDOW_MS = SHORT.windowMs
/** cold reservations per configuration: three batches of 20, one GET each */
const COLD_IDS = 60
const WARM_BODY = JSON.stringify({ ids: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] })
const WARM_CONNECTIONS = 99
const WARM_SECONDS = 4

export interface ScaleOutCold {
  cold_ms: number
  cold_success: number
  upstream_429: number
  tokens: number
  most_in_window_ip: number
}

interface Setup { sb: RunningSandbox, gateways: Child[] }

async function start (n: number, sb: RunningSandbox, extra: Record<string, string>): Promise<Child[]> {
  return await Promise.all(Array.from({ length: n }, () => spawnServer('gateway', shortWindowEnv(sb, { BATCH_PLANNER: 'off', ...extra }))))
}

/** Cold: 60 uncached reservations in three concurrent batches spread over the gateways; then one warm batch on each. */
async function cold ({ sb, gateways }: Setup, firstId: number): Promise<ScaleOutCold> {
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
  const after = await sb.stats()
  return {
    cold_ms: Math.round(coldMs),
    cold_success: answers.reduce((n, a) => n + a.json.success_count, 0),
    upstream_429: after.rate_limited - before.rate_limited,
    tokens: after.tokens_issued - before.tokens_issued,
    most_in_window_ip: Math.max(0, mid.max_in_window_ip, after.max_in_window_ip)
  }
}

/** Warm load on every gateway of a setup at once (the connections spread over them): total req/s. */
async function warm ({ gateways }: Setup, p99s: number[], errors: number[]): Promise<number> {
  const per = Math.ceil(WARM_CONNECTIONS / gateways.length)
  const loads = await Promise.all(gateways.map((g) => load(`http://127.0.0.1:${g.port}/api/batch/listings`, WARM_BODY, per, WARM_SECONDS)))
  p99s.push(Math.max(...loads.map((l) => l.p99_ms)))
  errors.push(loads.reduce((n, l) => n + l.errors + l.non2xx, 0))
  return loads.reduce((n, l) => n + l.rps, 0)
}

/**
 * Each configuration on a fresh sandbox (no run inherits another's rate windows or counts) measured
 * cold one after the other; then, all of them running, warm in alternating rounds.
 */
export async function scaleOut (rounds: number) {
  const teardowns: Array<() => unknown> = []
  const scope = { teardown: (fn: () => unknown) => { teardowns.push(fn) } }
  try {
    const setup = async (n: number, redisUrl: string | undefined): Promise<Setup> => {
      const sb = await shortWindowSandbox()
      teardowns.push(() => sb.close())
      const gateways = await start(n, sb, redisUrl === undefined ? {} : { REDIS_URL: redisUrl })
      teardowns.push(() => Promise.all(gateways.map((g) => g.close())))
      return { sb, gateways }
    }
    const setups = {
      one_memory: await setup(1, undefined),
      one_redis: await setup(1, (await startRedis(scope)).url),
      three_redis: await setup(3, (await startRedis(scope)).url)
    }
    const colds = {
      one_memory: await cold(setups.one_memory, 1),
      one_redis: await cold(setups.one_redis, 1),
      three_redis: await cold(setups.three_redis, 1)
    }
    const p99 = { one_memory: [] as number[], one_redis: [] as number[], three_redis: [] as number[] }
    const errors = { one_memory: [] as number[], one_redis: [] as number[], three_redis: [] as number[] }
    const run = await alternate(rounds, {
      one_memory: () => warm(setups.one_memory, p99.one_memory, errors.one_memory),
      one_redis: () => warm(setups.one_redis, p99.one_redis, errors.one_redis),
      three_redis: () => warm(setups.three_redis, p99.three_redis, errors.three_redis)
    })
    const row = (name: keyof typeof colds) => ({ ...colds[name], warm_rps: run.sides[name], warm_p99_ms: spread(p99[name], 0), warm_errors: errors[name].reduce((a, b) => a + b, 0) })
    return {
      setup: { limit_ip: 15, limit_account: 20, window_ms: WINDOW_MS, latency_ms: SHORT.latencyMs, cold_ids: COLD_IDS, warm_ids: 10, warm_connections: WARM_CONNECTIONS, warm_seconds: WARM_SECONDS, rounds },
      one_memory: row('one_memory'),
      one_redis: row('one_redis'),
      three_redis: row('three_redis'),
      cold_ratio_three_vs_one: +(colds.three_redis.cold_ms / colds.one_memory.cold_ms).toFixed(3),
      warm_ratio_three_vs_one: ratio(run, 'three_redis', 'one_memory'),
      warm_ratio_one_redis_vs_memory: ratio(run, 'one_redis', 'one_memory'),
      rounds: run.rounds
    }
  } finally {
    for (const fn of teardowns.reverse()) await fn()
  }
}

/** The `redis` section: one instance with REDIS_URL against one in memory, warm, in alternating rounds (no cold part). */
export async function redisWarm (rounds: number) {
  const teardowns: Array<() => unknown> = []
  const scope = { teardown: (fn: () => unknown) => { teardowns.push(fn) } }
  try {
    const setup = async (redisUrl: string | undefined): Promise<Setup> => {
      const sb = await shortWindowSandbox()
      teardowns.push(() => sb.close())
      const gateways = await start(1, sb, redisUrl === undefined ? {} : { REDIS_URL: redisUrl })
      teardowns.push(() => Promise.all(gateways.map((g) => g.close())))
      await fetch(`http://127.0.0.1:${gateways[0].port}/ready`)
      await post(gateways[0].port, '/api/batch/listings', JSON.parse(WARM_BODY))
      return { sb, gateways }
    }
    const memory = await setup(undefined)
    const redis = await setup((await startRedis(scope)).url)
    const p99 = { memory: [] as number[], redis: [] as number[] }
    const errors = { memory: [] as number[], redis: [] as number[] }
    const run = await alternate(rounds, {
      memory: () => warm(memory, p99.memory, errors.memory),
      redis: () => warm(redis, p99.redis, errors.redis)
    })
    return {
      setup: { warm_ids: 10, warm_connections: WARM_CONNECTIONS, warm_seconds: WARM_SECONDS, rounds },
      warm_rps: run.sides,
      warm_p99_ms: { memory: spread(p99.memory, 0), redis: spread(p99.redis, 0) },
      warm_errors: { memory: errors.memory.reduce((a, b) => a + b, 0), redis: errors.redis.reduce((a, b) => a + b, 0) },
      warm_ratio_redis_vs_memory: ratio(run, 'redis', 'memory'),
      rounds: run.rounds
    }
  } finally {
    for (const fn of teardowns.reverse()) await fn()
  }
}
