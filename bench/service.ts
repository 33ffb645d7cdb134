// The `batch` and `overhead` sections of npm run bench, on the short window (15 / 1000 ms per IP,
// 20 ms latency): the batch path against the rate-limit floor, upstream calls cold, warm and
// duplicate, tokens for concurrent cold requests; and the gateway's own cost against bare Fastify
// serving the same payload, in alternating rounds.
import type { RunningSandbox } from '../sandbox/index.js'
import { alternate, load, ratio, type Load } from './rounds.js'
import { SHORT, post, shortWindowEnv as gatewayEnv, shortWindowSandbox, sleep, spawnServer } from './servers.js'

const { windowMs: WINDOW_MS, limitIp: LIMIT_IP, latencyMs: LATENCY_MS } = SHORT
const N = 50
/** the warm batch of the overhead section: 10 cached listings, 100 connections */
export const WARM_BODY = JSON.stringify({ ids: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] })
const CONNECTIONS = 100
const ROUND_SECONDS = 4

const idle = () => sleep(WINDOW_MS + 200) // let every sliding window drain between phases
const upstreamCalls = async (sb: RunningSandbox) => (await sb.stats()).requests.total

/** 50 uncached bookings, timed; the per-id path (BATCH_PLANNER=off) unless `extra` says otherwise. */
async function timedBatch (sb: RunningSandbox, extra: Record<string, string>): Promise<{ ms: number, success: number, r429: number, calls: number }> {
  const gw = await spawnServer('gateway', gatewayEnv(sb, { CACHE_TTL_MS: '0', BATCH_PLANNER: 'off', ...extra }))
  try {
    await fetch(`http://127.0.0.1:${gw.port}/ready`) // token obtained and settled before timing
    await idle()
    const before = await sb.stats()
    const ids = Array.from({ length: N }, (_, i) => i + 1)
    const t0 = performance.now()
    const res = await post(gw.port, '/api/batch/bookings', { ids })
    const ms = performance.now() - t0
    const after = await sb.stats()
    return { ms, success: res.json.success_count, r429: after.rate_limited - before.rate_limited, calls: after.requests.total - before.requests.total }
  } finally {
    await gw.close()
  }
}

/** The batch path against the floor, upstream calls of cold / warm / duplicate batches, tokens. */
export async function batch () {
  const sb = await shortWindowSandbox()
  const results: Record<string, unknown> = {}
  try {
    const floorMs = Math.floor((N - 1) / LIMIT_IP) * WINDOW_MS + LATENCY_MS
    const perId = await timedBatch(sb, {})
    await idle()
    const sequential = await timedBatch(sb, { BATCH_CONCURRENCY: '1' })
    await idle()
    const planned = await timedBatch(sb, { BATCH_PLANNER: 'on' })
    results.batch_vs_floor = +(perId.ms / floorMs).toFixed(3)
    results.sequential_vs_floor = +(sequential.ms / floorMs).toFixed(3)
    results.batch_ms = Math.round(perId.ms)
    results.sequential_ms = Math.round(sequential.ms)
    results.floor_ms = floorMs
    results.upstream_429 = perId.r429 + sequential.r429 + planned.r429
    results.batch_success = perId.success
    results.batch_planned = { ms: Math.round(planned.ms), upstream_calls: planned.calls, per_id_calls: perId.calls, success: planned.success }

    await idle()
    const gw = await spawnServer('gateway', gatewayEnv(sb))
    try {
      await fetch(`http://127.0.0.1:${gw.port}/ready`)
      const ids = Array.from({ length: N }, (_, i) => i + 1)
      let before = await upstreamCalls(sb)
      await post(gw.port, '/api/batch/listings', { ids })
      const cold = (await upstreamCalls(sb)) - before
      before = await upstreamCalls(sb)
      await post(gw.port, '/api/batch/listings', { ids })
      const warm = (await upstreamCalls(sb)) - before
      await idle()
      before = await upstreamCalls(sb)
      await post(gw.port, '/api/batch/bookings', { ids: Array.from({ length: N }, () => 77) })
      const dup = (await upstreamCalls(sb)) - before
      results.upstream_calls = { cold_50_listings: cold, warm_50_listings: warm, dup_50: dup }
    } finally {
      await gw.close()
    }

    await idle()
    const fresh = await spawnServer('gateway', gatewayEnv(sb))
    try {
      const before = (await sb.stats()).tokens_issued
      const ids = Array.from({ length: 100 }, (_, i) => (i % 40) + 1)
      await Promise.all(ids.map((id) => post(fresh.port, '/api/batch/listings', { ids: [id] })))
      results.token_requests = (await sb.stats()).tokens_issued - before
    } finally {
      await fresh.close()
    }
    results.max_in_window_ip = (await sb.stats()).max_in_window_ip
    results.total_429 = (await sb.stats()).rate_limited
  } finally {
    await sb.close()
  }
  return results
}

/**
 * The gateway's own cost: req/s of `POST /api/batch/listings` (10 warm ids, 100 connections) against
 * a bare Fastify route serializing the same object and one sending a prebuilt string, in turns.
 */
export async function overhead (rounds: number, extra: Record<string, string> = {}) {
  const sb = await shortWindowSandbox()
  try {
    const gw = await spawnServer('gateway', gatewayEnv(sb, extra))
    try {
      await fetch(`http://127.0.0.1:${gw.port}/ready`)
      const sample = await post(gw.port, '/api/batch/listings', JSON.parse(WARM_BODY))
      const bare = await spawnServer('bare', { BENCH_PAYLOAD: sample.text })
      const loads: Record<'gateway' | 'bare' | 'bare_static', Load[]> = { gateway: [], bare: [], bare_static: [] }
      const side = (name: keyof typeof loads, url: string) => async () => {
        const l = await load(url, WARM_BODY, CONNECTIONS, ROUND_SECONDS)
        loads[name].push(l)
        return l.rps
      }
      try {
        const run = await alternate(rounds, {
          gateway: side('gateway', `http://127.0.0.1:${gw.port}/api/batch/listings`),
          bare: side('bare', `http://127.0.0.1:${bare.port}/bare`),
          bare_static: side('bare_static', `http://127.0.0.1:${bare.port}/bare-static`)
        })
        const memory = await gw.memory()
        return {
          setup: { ids: 10, connections: CONNECTIONS, round_seconds: ROUND_SECONDS, rounds, payload_bytes: sample.text.length },
          overhead_vs_bare: ratio(run, 'gateway', 'bare'),
          overhead_vs_bare_static: ratio(run, 'gateway', 'bare_static'),
          rps: run.sides,
          loads,
          rss_mb: memory.rss_mb,
          heap_used_mb: memory.heap_used_mb
        }
      } finally {
        await bare.close()
      }
    } finally {
      await gw.close()
    }
  } finally {
    await sb.close()
  }
}
