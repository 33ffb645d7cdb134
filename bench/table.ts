// The table npm run bench prints: one row per figure of the sections that ran.
import type { memory } from './memory.js'
import type { overload } from './overload.js'
import type { realLimits } from './real-limits.js'
import { show, type Spread } from './rounds.js'
import type { redisWarm, scaleOut } from './scale-out.js'
import type { batch, overhead } from './service.js'
import type { writes } from './writes.js'
import type { jobs } from './jobs.js'

type Of<F extends (...args: never[]) => Promise<unknown>> = Awaited<ReturnType<F>>
const sp = (s: Spread) => show(s)

function batchRows (r: Of<typeof batch>): Array<[string, string]> {
  const calls = r.upstream_calls as Record<string, number>
  const bp = r.batch_planned as { ms: number, upstream_calls: number, per_id_calls: number }
  return [
    ['batch_vs_floor (50 ids per id, 15/1000 ms, 20 ms latency)', `${String(r.batch_vs_floor)} (${String(r.batch_ms)} ms vs floor ${String(r.floor_ms)} ms)`],
    ['sequential_vs_floor (same, one at a time)', `${String(r.sequential_vs_floor)} (${String(r.sequential_ms)} ms)`],
    ['batch_planned (same 50 ids, planner on)', `${bp.ms} ms, ${bp.upstream_calls} upstream calls (per-id: ${bp.per_id_calls})`],
    ['upstream_429 during those runs', String(r.upstream_429)],
    ['upstream_calls cold / warm / dup (50 ids)', `${calls.cold_50_listings} / ${calls.warm_50_listings} / ${calls.dup_50}`],
    ['token_requests (100 concurrent cold)', String(r.token_requests)]
  ]
}

function overheadRows (r: Of<typeof overhead>): Array<[string, string]> {
  return [
    ['overhead_vs_bare (req/s ratio, 10 warm ids, 100 conns)', sp(r.overhead_vs_bare)],
    ['overhead_vs_bare_static (prebuilt string)', sp(r.overhead_vs_bare_static)],
    ['req/s gateway / bare / bare static', `${sp(r.rps.gateway)} / ${sp(r.rps.bare)} / ${sp(r.rps.bare_static)}`],
    ['gateway after the load: RSS, heap used (MB)', `${r.rss_mb}, ${r.heap_used_mb}`]
  ]
}

function memoryRows (all: Of<typeof memory>): Array<[string, string]> {
  type At = Of<typeof memory>['default']['start']
  const m = (x: At) => `RSS ${sp(x.rss_mb)} MB, heap used ${sp(x.heap_used_mb)} MB (after GC: RSS ${sp(x.after_gc.rss_mb)}, heap used ${sp(x.after_gc.heap_used_mb)} of ${sp(x.after_gc.heap_total_mb)})`
  const { semi_space_cost: cost, ...variants } = all
  return [...Object.entries(variants).flatMap(([name, r]) => [
    [`memory.${name}.start`, m(r.start)],
    [`memory.${name}.after_mixed (${r.setup.mixed_requests} warm requests)`, `${m(r.after_mixed)}; ${sp(r.after_mixed.rps)} req/s, non-2xx ${r.after_mixed.non2xx}`],
    [`memory.${name}.after_writes (${r.setup.idempotent_writes} idempotent writes)`, `${m(r.after_writes)}; ${sp(r.after_writes.rps)} req/s`]
  ] satisfies Array<[string, string]>),
  ['memory.semi_space_cost: warm batch req/s 16 / 8 / 4 MB', `${sp(cost.rps.default)} / ${sp(cost.rps.semi_space_8mb)} / ${sp(cost.rps.semi_space_4mb)}`],
  ['memory.semi_space_cost: 8 MB ÷ default, 4 MB ÷ default', `${sp(cost.semi_space_8mb_vs_default)}, ${sp(cost.semi_space_4mb_vs_default)}`],
  ['memory.semi_space_cost: RSS after the rounds 16 / 8 / 4 MB', `${cost.rss_mb_after.default} / ${cost.rss_mb_after.semi_space_8mb} / ${cost.rss_mb_after.semi_space_4mb} MB`]]
}

function redisRows (r: Of<typeof redisWarm>): Array<[string, string]> {
  return [
    ['redis: warm req/s 1 instance with REDIS_URL ÷ in memory', sp(r.warm_ratio_redis_vs_memory)],
    ['redis: warm req/s memory / Redis', `${sp(r.warm_rps.memory)} / ${sp(r.warm_rps.redis)}`]
  ]
}

function scaleRows (so: Of<typeof scaleOut>): Array<[string, string]> {
  const scale = (r: typeof so.one_memory) => `cold ${r.cold_ms} ms (${r.cold_success} ok), 429: ${r.upstream_429}, tokens ${r.tokens}, most/window ${r.most_in_window_ip}; warm ${sp(r.warm_rps)} req/s, p99 ${sp(r.warm_p99_ms)} ms`
  return [
    ['scale_out.one_memory (1 instance, no Redis)', scale(so.one_memory)],
    ['scale_out.one_redis (1 instance, REDIS_URL)', scale(so.one_redis)],
    ['scale_out.three_redis (3 instances, one Redis)', scale(so.three_redis)],
    ['scale_out: cold 3 vs 1', String(so.cold_ratio_three_vs_one)],
    ['scale_out: warm 3 vs 1', sp(so.warm_ratio_three_vs_one)],
    ['scale_out: warm 1 Redis vs memory', sp(so.warm_ratio_one_redis_vs_memory)]
  ]
}

function realRows (rl: Of<typeof realLimits>): Array<[string, string]> {
  const real = (name: 'listings_100' | 'bookings_50_recent' | 'bookings_50_scattered') => {
    const r = rl[name]
    return `${r.upstream_calls} calls (per-id ${r.per_id_calls}), ${r.wall_ms} ms (per-id floor ${r.per_id_floor_ms} ms), ${r.success_count} ok, 429: ${r.upstream_429}, goal ${rl.goals[name] ? 'met' : 'MISSED'}`
  }
  const large = (name: 'bookings_100_of_5000' | 'listings_100_of_2000') => {
    const r = rl[name]
    return `${r.upstream_calls} calls, ${r.wall_ms} ms, ${r.success_count}/100 ok, 429: ${r.upstream_429} (account of ${r.account_size}; ` +
      `per-id ${r.per_id_calls} calls, floor ${r.per_id_floor_ms} ms; full scan ${r.full_scan_calls} calls, floor ${r.full_scan_floor_ms} ms), goal ${rl.large_goals[name] ? 'met' : 'MISSED'}`
  }
  return [
    ['real_limits.listings_100 (ids 1–100, 150 listings, 15/10 s)', real('listings_100')],
    ['real_limits.bookings_50_recent', real('bookings_50_recent')],
    ['real_limits.bookings_50_scattered', real('bookings_50_scattered')],
    ['real_limits.bookings_100_of_5000 (100 random ids)', large('bookings_100_of_5000')],
    ['real_limits.listings_100_of_2000 (100 random ids)', large('listings_100_of_2000')]
  ]
}

function writesRows (wr: Of<typeof writes>): Array<[string, string]> {
  const met = (name: keyof typeof wr.goals) => wr.goals[name] ? 'met' : 'MISSED'
  const cal = wr.calendar_120_ranges_40_listings
  return [
    ['writes.calendar_120_ranges_40_listings', `${cal.upstream_writes} upstream writes (per range 120), ${cal.reported} reported, 429: ${cal.upstream_429}, ${cal.wall_ms} ms, goal ${met('calendar_120_ranges_40_listings')}`],
    ['writes.messages_50', `${wr.messages_50.conversation_lookups} conversation lookups, ${wr.messages_50.sends} sends, ${wr.messages_50.sends_after_replay} after a replay, ${wr.messages_50.messages_duplicated} duplicated, goal ${met('messages_50')}`],
    ['writes.dry_run', `${wr.dry_run.upstream_calls} upstream calls (plans ${wr.dry_run.planned_calendar_calls} calendar calls), goal ${met('dry_run')}`]
  ]
}

function jobsRows (jb: Of<typeof jobs>): Array<[string, string]> {
  const met = (name: keyof typeof jb.goals) => jb.goals[name] ? 'met' : 'MISSED'
  const one = jb.one_job
  const b = one.interactive
  const kill = jb.kill_and_resume
  return [
    [`jobs.one_job (${one.items} listing updates as one job, key A)`, `${one.reported} reported, ${one.writes_per_s} writes/s = ${one.throughput_ratio} of the budget B left (${one.budget_left_per_s} of ${one.budget_per_s}/s; ${one.throughput_ratio_of_whole_budget} of all of it), 429: ${one.upstream_429}, ${one.run_ms} ms, goal ${met('one_job')}`],
    [`jobs.one_job interactive (key B, a booking every ${b.every_ms} ms)`, `${b.sent} sent: ${b.served} served (p50 ${b.served_latency.p50_ms} ms, p99 ${b.served_latency.p99_ms} ms, max ${b.served_latency.max_ms} ms), ${b.refused} refused, other ${JSON.stringify(b.other)}; ${b.b_upstream_calls} of ${b.upstream_calls} upstream calls in ${b.ran_ms} ms (share ${b.b_share}, job ${b.job_upstream_calls}), goal ${met('interactive_fair_share')}`],
    [`jobs.kill_and_resume (${kill.items} updates, 3 instances, SIGKILL)`, `${kill.status}, ${kill.reported} reported, max ${kill.max_puts_per_listing} PUT per listing (${kill.duplicate_puts} duplicates), ${kill.outcome_unknown} outcome_unknown, 429: ${kill.upstream_429}, ${kill.total_ms} ms (bound ${kill.bound_ms}), goal ${met('kill_and_resume')}`]
  ]
}

function overloadRows (ov: Of<typeof overload>): Array<[string, string]> {
  const row = (r: typeof ov.warm) => `B: ${r.b.served} served (p50 ${r.b.served_latency.p50_ms} ms, p99 ${r.b.served_latency.p99_ms} ms), ` +
    `${r.b.refused} refused (p50 ${r.b.refusal_latency.p50_ms} ms, p99 ${r.b.refusal_latency.p99_ms} ms; first burst: ${r.b.first_burst.refused} refused, p99 ${r.b.first_burst.refusal_latency.p99_ms} ms; after it p99 ${r.b.later_refusal_latency.p99_ms} ms), ` +
    `past deadline ${r.b.past_deadline}; B's share while A ran ${r.budget_while_a_ran.b_share}; A: ${r.a.success_count}/${r.a.total_count} applied, every item reported ${r.a.every_item_once}, ${r.a.wall_ms} ms; ` +
    `goals ${Object.entries(r.goals).map(([k, v]) => `${k} ${v ? 'met' : 'MISSED'}`).join(', ')}`
  return [
    ['overload.cold (60-item write batch vs 60 GET clients, 15/10 s)', row(ov.cold)],
    ['overload.warm (the same again, same gateway)', row(ov.warm)],
    ['overload upstream 429s', String(ov.upstream_429)]
  ]
}

const ROWS: Record<string, (r: never) => Array<[string, string]>> = {
  batch: batchRows, overhead: overheadRows, memory: memoryRows, redis: redisRows, scale_out: scaleRows, real_limits: realRows, writes: writesRows, jobs: jobsRows, overload: overloadRows
}

export function printTable (results: Record<string, unknown>): void {
  const machine = results.machine as { cores: number, load_average_at_start: number[], load_average_at_end: number[] }
  const rows: Array<[string, string]> = [['machine', `${machine.cores} cores, load average ${machine.load_average_at_start.join(' ')} → ${machine.load_average_at_end.join(' ')}; ${String(results.rounds)} rounds; median (min–max)`]]
  for (const [name, of] of Object.entries(ROWS)) if (results[name] !== undefined) rows.push(...of(results[name] as never))
  rows.push(['bench duration', `${String(results.duration_s)} s`])
  const width = Math.max(...rows.map((r) => r[0].length))
  console.log(`| ${'metric'.padEnd(width)} | value |\n|${'-'.repeat(width + 2)}|-------|`)
  for (const [k, v] of rows) console.log(`| ${k.padEnd(width)} | ${v} |`)
}
