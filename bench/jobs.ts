// The `jobs` section of npm run bench (#24): long batches as jobs at Hostaway's real limits
// (15 / 10 s per IP, 20 per account; the gateway keeps 14 per window).
// 1. 300 listing updates as one job (Prefer: respond-async) of API key A, one gateway: every item
//    reported, throughput as a share of the budget key B's calls left it, upstream 429s; meanwhile
//    key B asks for one booking every 2 s (each an upstream GET) until 80 % of the job is done:
//    served, refused, latency, B's share of the upstream calls (bench/interactive.ts).
// 2. Three gateways on one Redis, the instance running a job killed (SIGKILL) mid-way: the job
//    completes on another; upstream PUTs per listing; total time against 1.2 × the budget floor +
//    the takeover bound (1.5 × JOB_STALL_INTERVAL_MS).
// Standalone: `npx tsx bench/jobs.ts [items] [kill-items]` (default 300 and 60).
import { interactiveCaller, REQUEST_TIMEOUT_MS } from './interactive.js'
import { countingProxy, putsPerListing } from '../test/fixtures/counting-proxy.js'
import { startRedis } from '../test/redis/server.js'
import { REAL, realSandbox } from './real-limits.js'
import { gatewayEnv, sleep, spawnServer, type Child } from './servers.js'

/** What the gateway keeps of the budget per window (HOSTAWAY_RATE_SAFETY_MARGIN 1 below the per-IP limit). */
const CAP = REAL.ip - 1
/** JOB_STALL_INTERVAL_MS of the kill scenario: the jobs of a dead instance are taken over within 1.5 × this. */
const STALL_MS = 10_000
/** The API keys of the one-job scenario: A creates the job, B is the interactive caller. */
const KEYS = { a: 'bench-key-a', b: 'bench-key-b' }
/**
 * B's demand: one request every 2 s (0.5/s), under half the budget (0.7/s): at weight 1 each, the
 * fair queue owes B at least half the slots while both wait, so every one of B's requests should
 * be served, within REQUEST_TIMEOUT_MS.
 */
const B_EVERY_MS = 2000
/** B asks until this share of the job's items is done (so B runs for most of the job, ending before it). */
const B_UNTIL = 0.8

interface JobJson {
  id: string
  status: string
  done_count: number
  started_at: string | null
  finished_at: string | null
  result?: { successful: Array<{ index: number, operation_id: string }>, failed: Array<{ index: number, error_type: string }>, total_count: number, success_count: number }
}

const keyed = (key: string | undefined): Record<string, string> => key === undefined ? {} : { 'x-api-key': key }

async function submit (port: number, updates: unknown[], key?: string): Promise<JobJson> {
  const res = await fetch(`http://127.0.0.1:${port}/api/listings/batch`, { method: 'PATCH', headers: { 'content-type': 'application/json', prefer: 'respond-async', ...keyed(key) }, body: JSON.stringify({ updates }) })
  if (res.status !== 202) throw new Error(`PATCH /api/listings/batch answered ${res.status}: ${await res.text()}`)
  return await res.json() as JobJson
}

async function job (port: number, id: string, key?: string): Promise<JobJson> {
  return await (await fetch(`http://127.0.0.1:${port}/api/jobs/${id}`, { headers: keyed(key) })).json() as JobJson
}

async function finished (port: number, id: string, key?: string): Promise<JobJson> {
  for (;;) {
    const j = await job(port, id, key)
    if (['completed', 'cancelled', 'failed'].includes(j.status)) return j
    await sleep(200)
  }
}

/** The budget floor of `n` writes: the first `CAP` at once, then `CAP` per window. */
const floorMs = (n: number) => (Math.ceil(n / CAP) - 1) * REAL.windowMs
const updatesOf = (n: number) => Array.from({ length: n }, (_, i) => ({ listing_id: i + 1, price: 900 + i }))

/** One gateway with keys A and B, one job of `n` listing updates by A; B asks for bookings meanwhile. */
async function oneJob (n: number) {
  const sb = await realSandbox(Math.max(n, REAL.listings))
  try {
    const gw = await spawnServer('gateway', gatewayEnv(sb, { API_KEYS: `${KEYS.a},${KEYS.b}` }))
    try {
      const t0 = performance.now()
      const created = await submit(gw.port, updatesOf(n), KEYS.a)
      while ((await job(gw.port, created.id, KEYS.a)).status === 'queued') await sleep(100)
      const b = interactiveCaller(gw.port, KEYS.b, sb, B_EVERY_MS)
      while ((await job(gw.port, created.id, KEYS.a)).done_count < B_UNTIL * n) await sleep(200)
      const interactive = await b.stop()
      const done = await finished(gw.port, created.id, KEYS.a)
      const wall = performance.now() - t0
      const stats = await sb.stats()
      const ran = Date.parse(done.finished_at ?? '') - Date.parse(done.started_at ?? '')
      const result = done.result
      const reported = result === undefined ? 0 : result.successful.length + result.failed.length
      const rate = n / (ran / 1000)
      const budget = CAP / (REAL.windowMs / 1000)
      // B's calls (all made while the job ran) took budget the job could have had: the job's
      // throughput is against the budget they left
      const left = budget - interactive.b_upstream_calls / (ran / 1000)
      return {
        items: n,
        status: done.status,
        reported,
        success_count: result?.success_count ?? 0,
        run_ms: ran,
        wall_ms: Math.round(wall),
        writes_per_s: +rate.toFixed(3),
        budget_per_s: +budget.toFixed(3),
        budget_left_per_s: +left.toFixed(3),
        throughput_ratio: +(rate / left).toFixed(3),
        throughput_ratio_of_whole_budget: +(rate / budget).toFixed(3),
        floor_ms: floorMs(n + interactive.b_upstream_calls),
        floor_ratio: +(floorMs(n + interactive.b_upstream_calls) / ran).toFixed(3),
        upstream_writes: stats.writes_by_kind.listing,
        upstream_429: stats.rate_limited,
        interactive
      }
    } finally { await gw.close() }
  } finally { await sb.close() }
}

/** Which gateway runs a job now (its /metrics: hostaway_jobs_running 1). */
async function runningOn (gateways: Child[]): Promise<number> {
  for (const [i, g] of gateways.entries()) {
    const text = await (await fetch(`http://127.0.0.1:${g.port}/metrics`)).text()
    if (/^hostaway_jobs_running 1$/m.test(text)) return i
  }
  return -1
}

/** Three gateways on one Redis; the one running the job is killed once a third of it is done. */
async function killScenario (n: number) {
  const teardowns: Array<() => unknown> = []
  const scope = { teardown: (fn: () => unknown) => { teardowns.push(fn) } }
  const sb = await realSandbox(Math.max(n, REAL.listings))
  try {
    const proxy = await countingProxy(scope, sb.baseUrl)
    const redis = await startRedis(scope)
    const env = gatewayEnv(sb, { HOSTAWAY_BASE_URL: proxy.baseUrl, REDIS_URL: redis.url, JOB_STALL_INTERVAL_MS: String(STALL_MS) })
    const gateways = await Promise.all([0, 1, 2].map(() => spawnServer('gateway', env)))
    const alive = new Set(gateways)
    try {
      const t0 = performance.now()
      const created = await submit(gateways[0].port, updatesOf(n))
      while ((await job(gateways[0].port, created.id)).done_count < Math.ceil(n / 3)) await sleep(100)
      const victim = await runningOn(gateways)
      if (victim < 0) throw new Error('no gateway says it runs the job')
      const doneAtKill = (await job(gateways[0].port, created.id)).done_count
      const killedAt = performance.now() - t0
      gateways[victim].proc.kill('SIGKILL')
      alive.delete(gateways[victim])
      const survivor = gateways[(victim + 1) % 3]
      const done = await finished(survivor.port, created.id)
      const total = performance.now() - t0
      const result = done.result
      const puts = putsPerListing(proxy.counts())
      const unknown = result?.failed.filter((f) => f.error_type === 'outcome_unknown').length ?? 0
      const bound = 1.2 * floorMs(n) + 1.5 * STALL_MS
      return {
        items: n,
        stall_interval_ms: STALL_MS,
        status: done.status,
        reported: result === undefined ? 0 : result.successful.length + result.failed.length,
        success_count: result?.success_count ?? 0,
        outcome_unknown: unknown,
        done_at_kill: doneAtKill,
        killed_at_ms: Math.round(killedAt),
        max_puts_per_listing: Math.max(0, ...puts.values()),
        duplicate_puts: [...puts.values()].reduce((s, v) => s + Math.max(0, v - 1), 0),
        upstream_429: (await sb.stats()).rate_limited,
        total_ms: Math.round(total),
        floor_ms: floorMs(n),
        bound_ms: bound,
        within_bound: total <= bound
      }
    } finally {
      await Promise.all([...alive].map((g) => g.close()))
    }
  } finally {
    for (const fn of teardowns.reverse()) await fn()
    await sb.close()
  }
}

export async function jobs (items = 300, killItems = 60) {
  const one = await oneJob(items)
  const kill = await killScenario(killItems)
  return {
    setup: { limit_ip: REAL.ip, limit_account: REAL.account, window_ms: REAL.windowMs, cap_per_window: CAP, latency_ms: REAL.latencyMs, request_timeout_ms: REQUEST_TIMEOUT_MS, interactive_every_ms: B_EVERY_MS, interactive_until_done: B_UNTIL },
    one_job: one,
    kill_and_resume: kill,
    goals: {
      one_job: one.reported === items && one.throughput_ratio >= 0.95 && one.upstream_429 === 0,
      // B's demand is under half the budget: every request of B served within REQUEST_TIMEOUT_MS
      interactive_fair_share: one.interactive.sent > 0 && one.interactive.served === one.interactive.sent &&
        one.interactive.within_request_timeout === one.interactive.sent,
      kill_and_resume: kill.status === 'completed' && kill.reported === killItems && kill.max_puts_per_listing <= 1 && kill.within_bound
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [items, killItems] = process.argv.slice(2).map(Number)
  console.log(JSON.stringify(await jobs(items > 0 ? items : undefined, killItems > 0 ? killItems : undefined), null, 2))
}
