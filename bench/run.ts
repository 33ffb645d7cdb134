// npm run bench: the batch path against the rate-limit floor, the lookup planner and the gateway under
// overload at Hostaway's real limits, the service overhead against bare Fastify, and three instances
// sharing Redis against one, side by side in one run. Writes bench/results/last-run.json (ignored by git)
// and prints a table; with --record (npm run bench:record) also the committed bench/results/latest.json.
import { writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import autocannon from 'autocannon'
import type { RunningSandbox } from '../sandbox/index.js'
import { overload } from './overload.js'
import { realLimits } from './real-limits.js'
import { writes } from './writes.js'
import { scaleOut } from './scale-out.js'
import { SHORT, post, shortWindowEnv as gatewayEnv, shortWindowSandbox, sleep, spawnServer } from './servers.js'

const { windowMs: WINDOW_MS, limitIp: LIMIT_IP, latencyMs: LATENCY_MS } = SHORT
const N = 50
const dir = import.meta.dirname

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

async function load (url: string, body: string): Promise<autocannon.Result> {
  return autocannon({ url, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections: 100, duration: 10 })
}

async function main (): Promise<void> {
  const started = performance.now()
  const sb = await shortWindowSandbox()
  const results: Record<string, unknown> = {}
  try {
    // 1. batch vs the physical floor of the rate limit
    const floorMs = Math.floor((N - 1) / LIMIT_IP) * WINDOW_MS + LATENCY_MS
    const batch = await timedBatch(sb, {})
    await idle()
    const sequential = await timedBatch(sb, { BATCH_CONCURRENCY: '1' })
    await idle()
    const planned = await timedBatch(sb, { BATCH_PLANNER: 'on' })
    results.batch_vs_floor = +(batch.ms / floorMs).toFixed(3)
    results.sequential_vs_floor = +(sequential.ms / floorMs).toFixed(3)
    results.batch_ms = Math.round(batch.ms)
    results.sequential_ms = Math.round(sequential.ms)
    results.floor_ms = floorMs
    results.upstream_429 = batch.r429 + sequential.r429 + planned.r429
    results.batch_success = batch.success
    results.batch_planned = { ms: Math.round(planned.ms), upstream_calls: planned.calls, per_id_calls: batch.calls, success: planned.success }

    // 2. upstream calls: cold, warm and duplicate batches (cache on)
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

      // 3. overhead vs bare Fastify: 10 warm ids, 100 connections, 10 s each, same payload size
      const body = JSON.stringify({ ids: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] })
      const sample = await post(gw.port, '/api/batch/listings', JSON.parse(body))
      const bare = await spawnServer('bare', { BENCH_PAYLOAD: sample.text })
      try {
        const g = await load(`http://127.0.0.1:${gw.port}/api/batch/listings`, body)
        const b = await load(`http://127.0.0.1:${bare.port}/bare`, body)
        const s = await load(`http://127.0.0.1:${bare.port}/bare-static`, body)
        results.overhead_vs_bare = +(g.requests.average / b.requests.average).toFixed(3)
        results.overhead_vs_bare_static = +(g.requests.average / s.requests.average).toFixed(3)
        results.bare_static = { rps: Math.round(s.requests.average), p50_ms: s.latency.p50, p99_ms: s.latency.p99, non2xx: s.non2xx, errors: s.errors }
        results.gateway = { rps: Math.round(g.requests.average), p50_ms: g.latency.p50, p99_ms: g.latency.p99, non2xx: g.non2xx, errors: g.errors, payload_bytes: sample.text.length }
        results.bare = { rps: Math.round(b.requests.average), p50_ms: b.latency.p50, p99_ms: b.latency.p99, non2xx: b.non2xx, errors: b.errors }
      } finally {
        await bare.close()
      }
      results.rss_mb = +((await gw.rss()) / 1024 / 1024).toFixed(1)
    } finally {
      await gw.close()
    }

    // 4. tokens issued for 100 concurrent cold requests
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
  // 5. the lookup planner at Hostaway's real limits (its own sandboxes)
  results.real_limits = await realLimits()
  // 5b. the #23 writes at Hostaway's real limits (their own sandboxes)
  results.writes = await writes()
  // 6. three instances sharing one Redis against one instance (its own sandboxes and redis-servers)
  results.scale_out = await scaleOut()
  // 6. overload at Hostaway's real limits: a 60-item write batch and 60 clients of single GETs (its own sandbox)
  results.overload = await overload()
  results.duration_s = +((performance.now() - started) / 1000).toFixed(1)
  results.node = process.version
  results.date = new Date().toISOString()

  mkdirSync(join(dir, 'results'), { recursive: true })
  // a run leaves the work tree clean; recording the committed figures is its own, explicit step
  writeFileSync(join(dir, 'results', 'last-run.json'), JSON.stringify(results, null, 2) + '\n')
  if (process.argv.includes('--record')) writeFileSync(join(dir, 'results', 'latest.json'), JSON.stringify(results, null, 2) + '\n')
  const g = results.gateway as { rps: number, p50_ms: number, p99_ms: number }
  const b = results.bare as { rps: number, p50_ms: number, p99_ms: number }
  const bs = results.bare_static as { rps: number, p50_ms: number, p99_ms: number }
  const calls = results.upstream_calls as Record<string, number>
  const bp = results.batch_planned as { ms: number, upstream_calls: number, per_id_calls: number }
  const rl = results.real_limits as Awaited<ReturnType<typeof realLimits>>
  const so = results.scale_out as Awaited<ReturnType<typeof scaleOut>>
  const scale = (r: typeof so.one_memory) => `cold ${r.cold_ms} ms (${r.cold_success} ok), 429: ${r.upstream_429}, tokens ${r.tokens}, most/window ${r.most_in_window_ip}; warm ${r.warm_rps} req/s, p99 ${r.warm_p99_ms} ms`
  const ov = results.overload as Awaited<ReturnType<typeof overload>>
  const overloadRow = (r: typeof ov.warm) => `B: ${r.b.served} served (p50 ${r.b.served_latency.p50_ms} ms, p99 ${r.b.served_latency.p99_ms} ms), ` +
    `${r.b.refused} refused (p50 ${r.b.refusal_latency.p50_ms} ms, p99 ${r.b.refusal_latency.p99_ms} ms; after the first burst of ${r.b.first_burst.refused} p99 ${r.b.later_refusal_latency.p99_ms} ms), ` +
    `past deadline ${r.b.past_deadline}; ` +
    `B's share while A ran ${r.budget_while_a_ran.b_share}; A: ${r.a.success_count}/${r.a.total_count} applied, every item reported ${r.a.every_item_once}, ${r.a.wall_ms} ms; ` +
    `goals ${Object.entries(r.goals).map(([k, v]) => `${k} ${v ? 'met' : 'MISSED'}`).join(', ')}`
  const real = (name: 'listings_100' | 'bookings_50_recent' | 'bookings_50_scattered') => {
    const r = rl[name]
    return `${r.upstream_calls} calls (per-id ${r.per_id_calls}), ${r.wall_ms} ms (per-id floor ${r.per_id_floor_ms} ms), ${r.success_count} ok, 429: ${r.upstream_429}, goal ${rl.goals[name] ? 'met' : 'MISSED'}`
  }
  const large = (name: 'bookings_100_of_5000' | 'listings_100_of_2000') => {
    const r = rl[name]
    return `${r.upstream_calls} calls, ${r.wall_ms} ms, ${r.success_count}/100 ok, 429: ${r.upstream_429} (account of ${r.account_size}; ` +
      `per-id ${r.per_id_calls} calls, floor ${r.per_id_floor_ms} ms; full scan ${r.full_scan_calls} calls, floor ${r.full_scan_floor_ms} ms), goal ${rl.large_goals[name] ? 'met' : 'MISSED'}`
  }
  const wr = results.writes as Awaited<ReturnType<typeof writes>>
  const met = (name: keyof typeof wr.goals) => wr.goals[name] ? 'met' : 'MISSED'
  const rows: Array<[string, string]> = [
    ['writes.calendar_120_ranges_40_listings', `${wr.calendar_120_ranges_40_listings.upstream_writes} upstream writes (per range 120), ${wr.calendar_120_ranges_40_listings.reported} reported, 429: ${wr.calendar_120_ranges_40_listings.upstream_429}, ${wr.calendar_120_ranges_40_listings.wall_ms} ms, goal ${met('calendar_120_ranges_40_listings')}`],
    ['writes.messages_50', `${wr.messages_50.conversation_lookups} conversation lookups, ${wr.messages_50.sends} sends, ${wr.messages_50.sends_after_replay} after a replay, ${wr.messages_50.messages_duplicated} duplicated, goal ${met('messages_50')}`],
    ['writes.dry_run', `${wr.dry_run.upstream_calls} upstream calls (plans ${wr.dry_run.planned_calendar_calls} calendar calls), goal ${met('dry_run')}`],
    ['batch_vs_floor (50 ids per id, 15/1000 ms, 20 ms latency)', `${results.batch_vs_floor} (${results.batch_ms} ms vs floor ${results.floor_ms} ms)`],
    ['sequential_vs_floor (same, one at a time)', `${results.sequential_vs_floor} (${results.sequential_ms} ms)`],
    ['batch_planned (same 50 ids, planner on)', `${bp.ms} ms, ${bp.upstream_calls} upstream calls (per-id: ${bp.per_id_calls})`],
    ['upstream_429 during those runs', String(results.upstream_429)],
    ['upstream_calls cold / warm / dup (50 ids)', `${calls.cold_50_listings} / ${calls.warm_50_listings} / ${calls.dup_50}`],
    ['overhead_vs_bare (req/s ratio, 10 warm ids, 100 conns)', String(results.overhead_vs_bare)],
    ['gateway req/s, p50, p99', `${g.rps}, ${g.p50_ms} ms, ${g.p99_ms} ms`],
    ['bare Fastify req/s, p50, p99 (JSON route)', `${b.rps}, ${b.p50_ms} ms, ${b.p99_ms} ms`],
    ['overhead_vs_bare_static (prebuilt string)', String(results.overhead_vs_bare_static)],
    ['bare Fastify req/s, p50, p99 (prebuilt string)', `${bs.rps}, ${bs.p50_ms} ms, ${bs.p99_ms} ms`],
    ['token_requests (100 concurrent cold)', String(results.token_requests)],
    ['real_limits.listings_100 (ids 1–100, 150 listings, 15/10 s)', real('listings_100')],
    ['real_limits.bookings_50_recent', real('bookings_50_recent')],
    ['real_limits.bookings_50_scattered', real('bookings_50_scattered')],
    ['real_limits.bookings_100_of_5000 (100 random ids)', large('bookings_100_of_5000')],
    ['real_limits.listings_100_of_2000 (100 random ids)', large('listings_100_of_2000')],
    ['scale_out.one_memory (1 instance, no Redis)', scale(so.one_memory)],
    ['scale_out.one_redis (1 instance, REDIS_URL)', scale(so.one_redis)],
    ['scale_out.three_redis (3 instances, one Redis)', scale(so.three_redis)],
    ['scale_out ratios: cold 3 vs 1, warm 3 vs 1, warm 1 Redis vs memory', `${so.cold_ratio_three_vs_one}, ${so.warm_ratio_three_vs_one}, ${so.warm_ratio_one_redis_vs_memory}`],
    ['overload.cold (60-item write batch vs 60 GET clients, 15/10 s)', overloadRow(ov.cold)],
    ['overload.warm (the same again, same gateway)', overloadRow(ov.warm)],
    ['overload upstream 429s', String(ov.upstream_429)],
    ['rss_mb (gateway after load)', String(results.rss_mb)],
    ['bench duration', `${results.duration_s} s`]
  ]
  const width = Math.max(...rows.map((r) => r[0].length))
  console.log(`| ${'metric'.padEnd(width)} | value |\n|${'-'.repeat(width + 2)}|-------|`)
  for (const [k, v] of rows) console.log(`| ${k.padEnd(width)} | ${v} |`)
}

await main()
