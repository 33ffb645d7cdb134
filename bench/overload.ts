// The `overload` section of npm run bench: at Hostaway's real limits (15 requests / 10 s per IP, 20 per
// account), caller A sends a 60-item write batch while caller B runs 60 concurrent clients of single
// GETs, each sending its next GET when answered and, when refused, after the Retry-After it was given.
// Measured: B's answers (served, refused, latencies), the share of the upstream budget B had while
// A's batch ran, whether anything waited past its deadline, and A's report of its 60 items.
import { fork, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import type { Answer } from './clients.js'
import type { Timing } from './gateway.js'
import { REAL, realSandbox } from './real-limits.js'
import { gatewayEnv, sleep, spawnServer, type Child } from './servers.js'

const { listings: LISTINGS, windowMs: WINDOW_MS } = REAL
const USERS = 60
const ITEMS = 60
/** the gateway's defaults: REQUEST_TIMEOUT_MS and BATCH_TIMEOUT_MS */
const REQUEST_TIMEOUT_MS = 15_000
const BATCH_TIMEOUT_MS = 30_000
const KEYS = { a: 'bench-key-a', b: 'bench-key-b' }

const pct = (sorted: number[], p: number) => sorted.length === 0 ? null : Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))])
const ms = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  return { p50_ms: pct(sorted, 0.5), p99_ms: pct(sorted, 0.99), max_ms: sorted.length === 0 ? null : Math.round(sorted[sorted.length - 1]) }
}

interface BatchAnswer { total_count: number, success_count: number, failed: Array<{ index: number, error_type: string }>, successful: Array<{ index: number }> }

/** B's clients, in their own process: `connect` opens their connections, `run` sends until `stop`. */
function clients (port: number) {
  const proc: ChildProcess = fork(join(import.meta.dirname, 'clients.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_PORT: String(port), BENCH_KEY: KEYS.b, BENCH_USERS: String(USERS), BENCH_FIRST_ID: String(ITEMS + 1), BENCH_IDS: String(LISTINGS - ITEMS) },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc']
  })
  const next = <T>(field: string) => new Promise<T>((resolve) => {
    const on = (m: Record<string, unknown>) => { if (field in m) { proc.off('message', on); resolve(m[field] as T) } }
    proc.on('message', on)
  })
  const ready = next<boolean>('ready')
  return {
    connect: async () => { await ready; proc.send({ cmd: 'connect' }); await next('connected') },
    start: () => proc.send({ cmd: 'start' }),
    stop: async () => { proc.send({ cmd: 'stop' }); return await next<Answer[]>('answers') }
  }
}

/** The gateway's timings of the requests it answered since the last call (BENCH_TIMINGS=1). */
function timings (gw: Child): Promise<Timing[]> {
  return new Promise((resolve) => {
    const on = (m: { timings?: Timing[] }) => { if (m.timings !== undefined) { gw.proc.off('message', on); resolve(m.timings) } }
    gw.proc.on('message', on)
    gw.proc.send({ cmd: 'timings' })
  })
}

/**
 * Where the first burst's refusals spend their time, each request's wall split at four instants
 * (epoch ms of one machine's clock, taken in the client's and the gateway's processes): `client_send`
 * from the call to the request leaving the client; `to_gateway` from there to the gateway's first hook
 * (the kernel, and the wait until the gateway's event loop reads and parses it while it answers the
 * requests before it); `in_gateway` from the first hook to the answer written; `to_client` from there
 * to the client parsing the answer's head (the kernel, and the client's loop busy with other answers).
 * `refusal_span`: from the burst's first request reaching the gateway to its last refusal written,
 * how its event-loop thread spent that span — on a core (`on_core_ms`), runnable but waiting for a
 * core the machine's other processes held (`run_queue_ms`, the kernel's scheduler), the rest idle
 * (waiting for I/O) — and how many of the burst reached it in the span.
 */
function whereTheTimeGoes (answers: Answer[], byId: Map<string, Timing>) {
  const burst = answers.filter((r) => r.firstBurst && r.status === 503).map((r) => ({ r, s: byId.get(r.id) })).filter((x): x is { r: Answer, s: Timing } => x.s !== undefined)
  const all = answers.filter((r) => r.firstBurst).map((r) => byId.get(r.id)).filter((s): s is Timing => s !== undefined)
  return {
    refusals: burst.length,
    client_send: ms(burst.map(({ r }) => r.written - r.called)),
    to_gateway: ms(burst.map(({ r, s }) => s.start - r.written)),
    in_gateway: ms(burst.map(({ s }) => s.end - s.start)),
    to_client: ms(burst.map(({ r, s }) => r.headers - s.end)),
    total: ms(burst.map(({ r }) => r.ms)),
    refusal_span: span(all, burst.map(({ s }) => s))
  }
}

function span (all: Timing[], refusals: Timing[]) {
  if (all.length === 0 || refusals.length === 0) return null
  const first = all.reduce((a, b) => b.start < a.start ? b : a)
  const last = refusals.reduce((a, b) => b.end > a.end ? b : a)
  const wall = last.end - first.start
  const onCore = last.cpu[1] - first.cpu[0]
  const runQueue = last.waited[1] - first.waited[0]
  return { wall_ms: Math.round(wall), on_core_ms: Math.round(onCore), run_queue_ms: Math.round(runQueue), idle_ms: Math.round(wall - onCore - runQueue), reached_gateway: all.filter((s) => s.start <= last.end).length }
}

/** One round from a clear window: A's batch and B's clients until A's batch answers. */
async function round (gw: Child, calls: () => Promise<Record<string, number>>) {
  const port = gw.port
  const b = clients(port)
  await b.connect()
  const before = await calls()
  const started = performance.now()
  const updates = Array.from({ length: ITEMS }, (_, i) => ({ listing_id: i + 1, price: 100 + i }))
  const batch = fetch(`http://127.0.0.1:${port}/api/listings/batch`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json', 'x-api-key': KEYS.a },
    body: JSON.stringify({ updates })
  })
  b.start()
  const res = await batch
  const body = await res.json() as BatchAnswer
  const wall = performance.now() - started
  const during = await calls()
  const answers = await b.stop()
  const byId = new Map((await timings(gw)).map((s) => [s.id, s]))
  const a = { status: res.status, body, wall, during }

  const count = (route: string) => (a.during[route] ?? 0) - (before[route] ?? 0)
  const bGets = count('GET /v1/listings/:id')
  const aPuts = count('PUT /v1/listings/:id')
  const served = answers.filter((r) => r.status === 200)
  const refused = answers.filter((r) => r.status === 503 && r.errorType === 'rate_limit')
  const other = answers.length - served.length - refused.length
  const pastDeadline = answers.filter((r) => r.ms > REQUEST_TIMEOUT_MS || r.errorType === 'timeout' || r.errorType === 'unprocessed').length
  const first = answers.filter((r) => r.firstBurst)
  const indexes = [...a.body.successful, ...a.body.failed].map((r) => r.index).sort((x, y) => x - y)
  const everyItemOnce = indexes.length === ITEMS && indexes.every((index, i) => index === i)
  const refusal = ms(refused.map((r) => r.ms))
  const share = +(bGets / Math.max(1, bGets + aPuts)).toFixed(3)
  return {
    b: {
      requests: answers.length,
      served: served.length,
      refused: refused.length,
      other_errors: other,
      served_latency: ms(served.map((r) => r.ms)),
      refusal_latency: refusal,
      past_deadline: pastDeadline,
      retry_after: ms(refused.map((r) => (r.retryAfterS ?? 0) * 1000)),
      // the 60 requests sent at the same instant, at the start: the event loop works through them one by one
      first_burst: {
        served: first.filter((r) => r.status === 200).length,
        refused: first.filter((r) => r.status === 503).length,
        served_latency: ms(first.filter((r) => r.status === 200).map((r) => r.ms)),
        refusal_latency: ms(refused.filter((r) => r.firstBurst).map((r) => r.ms)),
        where_the_time_goes: whereTheTimeGoes(answers, byId)
      },
      later_refusal_latency: ms(refused.filter((r) => !r.firstBurst).map((r) => r.ms))
    },
    a: {
      status: a.status,
      wall_ms: Math.round(a.wall),
      total_count: a.body.total_count,
      success_count: a.body.success_count,
      unprocessed: a.body.failed.filter((f) => f.error_type === 'unprocessed').length,
      every_item_once: everyItemOnce
    },
    budget_while_a_ran: { b_gets: bGets, a_puts: aPuts, b_share: share },
    goals: {
      singles_in_time_or_refused_fast: pastDeadline === 0 && other === 0 && (refusal.p99_ms ?? 0) < 50,
      b_share_at_least_40_percent: share >= 0.4,
      a_reports_every_item: everyItemOnce && a.body.total_count === ITEMS && a.wall <= BATCH_TIMEOUT_MS + 1000
    }
  }
}

/**
 * Two rounds against one gateway, each from a clear window: `cold` is the gateway's first contact
 * with the scenario (its code paths not yet compiled by V8's JIT), `warm` the same scenario again,
 * as a gateway that has been running meets it.
 */
export async function overload () {
  const sb = await realSandbox()
  try {
    // the gateway's defaults, two API keys, no read cache (every GET of B costs an upstream call)
    const gw = await spawnServer('gateway', { ...gatewayEnv(sb, { API_KEYS: `${KEYS.a},${KEYS.b}`, CACHE_TTL_MS: '0' }), BENCH_TIMINGS: '1' })
    try {
      await fetch(`http://127.0.0.1:${gw.port}/ready`) // the token
      const calls = async () => (await sb.stats()).requests.by_route
      // each round starts once every slot taken before it has left the window
      await sleep(WINDOW_MS + 200)
      const cold = await round(gw, calls)
      await sleep(WINDOW_MS + 200)
      const warm = await round(gw, calls)
      const stats = await sb.stats()
      return {
        limits: { ip: REAL.ip, account: REAL.account, window_ms: WINDOW_MS, latency_ms: REAL.latencyMs, request_timeout_ms: REQUEST_TIMEOUT_MS, batch_timeout_ms: BATCH_TIMEOUT_MS, users: USERS, items: ITEMS },
        cold,
        warm,
        upstream_429: stats.rate_limited,
        max_in_window_ip: stats.max_in_window_ip
      }
    } finally {
      await gw.close()
    }
  } finally {
    await sb.close()
  }
}

// alone: npx tsx bench/overload.ts
if (process.argv[1]?.endsWith('overload.ts') === true) console.log(JSON.stringify(await overload(), null, 2))
