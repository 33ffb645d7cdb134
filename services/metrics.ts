import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import {
  BATCH_OPERATIONS, BREAKER_STATES, CACHE_RESOURCES, CACHE_RESULTS, IDEMPOTENCY_RESULTS, REFUSAL_REASONS, TOKEN_REQUEST_RESULTS,
  type BatchOperation, type CacheResource, type CacheResult, type Probes, type Telemetry
} from './telemetry.js'

/** Upper bounds (s) of the HTTP and limiter-wait histograms: batches wait for the rate budget far longer than 10 s. */
export const LONG_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120]
/** Upper bounds (s) of one upstream attempt: at most HOSTAWAY_TIMEOUT_MS (10 s by default). */
const ATTEMPT_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

/**
 * A counter incremented per batch item or per lookup (tens of times per warm batch): the
 * increments are summed in plain maps, by label values, and handed to prom-client when the
 * registry is read (its `collect`), instead of a prom-client `inc` each (which builds and checks a
 * label hash every call: ~4 % of a warm batch's CPU). What a scrape reads is the same.
 */
function summedCounter<A extends string, B extends string> (registers: Registry[], name: string, help: string, [first, second]: readonly [string, string]) {
  const sums = new Map<A, Map<B, { n: number }>>()
  const counter: Counter<string> = new Counter<string>({
    name,
    help,
    labelNames: [first, second],
    registers,
    collect () {
      for (const [a, row] of sums) {
        for (const [b, cell] of row) {
          if (cell.n === 0) continue
          counter.inc({ [first]: a, [second]: b }, cell.n)
          cell.n = 0
        }
      }
    }
  })
  return {
    inc (a: A, b: B, n = 1): void {
      let row = sums.get(a)
      if (row === undefined) sums.set(a, row = new Map())
      const cell = row.get(b)
      if (cell === undefined) row.set(b, { n })
      else cell.n += n
    },
    /** a label set shown at 0 from the start */
    zero (a: A, b: B): void {
      counter.inc({ [first]: a, [second]: b }, 0)
    }
  }
}

/**
 * The Telemetry seam implemented with prom-client, on `registry` (one per app: tests build many
 * apps in one process, the global registry is never used). Label sets are the closed ones of
 * services/telemetry.ts; the small ones are initialised at 0 so that rates exist from the start.
 * Gauges are read at scrape time from the probes `watch` is given.
 */
export function createPromTelemetry (registry: Registry): Telemetry {
  const registers = [registry]
  const probes: Partial<Probes> = {}
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) => new Counter<L>({ name, help, labelNames, registers })

  const attempts = counter('hostaway_upstream_requests_total', 'Upstream HTTP attempts (token requests and retries included) by endpoint kind, status class and result', ['endpoint', 'status_class', 'result'])
  const attemptSeconds = new Histogram({
    name: 'hostaway_upstream_request_duration_seconds',
    help: 'Duration of one upstream HTTP attempt, by endpoint kind and status class',
    labelNames: ['endpoint', 'status_class'],
    buckets: ATTEMPT_BUCKETS,
    registers
  })
  const waits = new Histogram({
    name: 'hostaway_limiter_wait_seconds',
    help: 'Time a call waited for an upstream rate-limit slot, by lane (token, single, batch)',
    labelNames: ['lane'],
    buckets: LONG_BUCKETS,
    registers
  })
  const refusals = counter('hostaway_limiter_refusals_total', 'Calls the rate limiter refused at once, never sent (deadline: its turn would come too late; queue_full)', ['reason'])
  const tokens = counter('hostaway_token_requests_total', 'Access-token requests this instance sent upstream, by result (issued, failed, rejected credentials)', ['result'])
  const refreshes = counter('hostaway_token_refreshes_total', 'Times this instance needed a new access token, by reason (initial, expired, refused)', ['reason'])
  const cache = summedCounter<CacheResource, CacheResult>(registers, 'hostaway_cache_lookups_total', 'Read-cache lookups by resource and result (hit, miss, negative_hit: a remembered 404)', ['resource', 'result'])
  const pages = counter('hostaway_planner_pages_total', 'List pages the batch lookup planner read, by resource', ['resource'])
  const fromPages = counter('hostaway_planner_ids_from_pages_total', 'Batch lookup ids answered by a list page instead of their own GET, by resource', ['resource'])
  const saved = counter('hostaway_planner_calls_saved_total', 'Upstream calls the batch lookup planner saved: per plan, the ids its pages answered less the pages read (when positive)', ['resource'])
  const items = summedCounter<BatchOperation, string>(registers, 'hostaway_batch_items_total', 'Items of batches that ran (replays excluded), by operation and error_type (none: success)', ['operation', 'error_type'])
  const transitions = counter('hostaway_breaker_transitions_total', 'Circuit breaker state changes', ['from', 'to'])
  const claims = counter('hostaway_idempotency_claims_total', 'Idempotency-Key claims by result (claimed: first run, resumed: a run cut short resumed from its checkpoint, replayed, conflict: 409 still running, mismatch: 422 another body)', ['result'])
  const evictions = counter('hostaway_idempotency_evictions_total', 'Idempotency-Key results the in-memory store forgot before their TTL to stay within BATCH_IDEMPOTENCY_MAX_ENTRIES / _MAX_BYTES', [])
  const redisErrors = counter('hostaway_redis_errors_total', 'Redis commands that failed, by kind (unavailable: not sent, timeout, reply: an error reply), and connections lost (connection)', ['kind'])

  const gauge = (name: string, help: string, read: (g: Gauge) => void, labelNames: string[] = []) => new Gauge({
    name, help, labelNames, registers, collect () { read(this) }
  })
  gauge('hostaway_limiter_queue_depth', 'Calls waiting for a rate-limit slot now', (g) => { if (probes.limiter !== undefined) g.set(probes.limiter().queued) })
  gauge('hostaway_budget_used_slots', 'Upstream rate-limit slots taken in the current window (with REDIS_URL: the shared budget, as this instance last saw it)',
    (g) => { if (probes.limiter !== undefined) g.set(probes.limiter().in_window) })
  gauge('hostaway_budget_slots', 'Upstream rate-limit slots per window (the tightest budget, margins applied)', (g) => { if (probes.limiter !== undefined) g.set(probes.limiter().cap) })
  gauge('hostaway_budget_lag_margin_seconds', 'Time added to the rate-limit window now because the event loop lagged (HOSTAWAY_RATE_LAG_MARGIN_MAX_MS at most)',
    (g) => { if (probes.limiter !== undefined) g.set(probes.limiter().lag_margin_ms / 1000) })
  gauge('hostaway_breaker_state', 'Circuit breaker state: 1 for the current state, 0 for the others', (g) => {
    if (probes.breaker === undefined) return
    const current = probes.breaker()
    for (const state of BREAKER_STATES) g.set({ state }, state === current ? 1 : 0)
  }, ['state'])

  // the small closed label sets start at 0
  for (const reason of REFUSAL_REASONS) refusals.inc({ reason }, 0)
  for (const result of TOKEN_REQUEST_RESULTS) tokens.inc({ result }, 0)
  for (const result of IDEMPOTENCY_RESULTS) claims.inc({ result }, 0)
  for (const resource of CACHE_RESOURCES.filter((r) => r !== 'other')) for (const result of CACHE_RESULTS) cache.zero(resource, result)
  for (const operation of BATCH_OPERATIONS) items.zero(operation, 'none')

  const planned = new Set<string>()

  return {
    upstreamAttempt (endpoint, status, result, seconds) {
      attempts.inc({ endpoint, status_class: status, result })
      attemptSeconds.observe({ endpoint, status_class: status }, seconds)
    },
    limiterWait: (lane, seconds) => waits.observe({ lane }, seconds),
    limiterRefused: (reason) => refusals.inc({ reason }),
    tokenRequest: (result) => tokens.inc({ result }),
    tokenRefresh: (reason) => refreshes.inc({ reason }),
    cacheLookup: (resource, result) => cache.inc(resource, result),
    plannerPlan (resource, read, answered) {
      // a warm plan reads no page: adding 0 changes nothing once the resource's series exist (the first plan makes them)
      const first = !planned.has(resource)
      planned.add(resource)
      if (first || read > 0) pages.inc({ resource }, read)
      if (first || answered > 0) fromPages.inc({ resource }, answered)
      if (first || answered > read) saved.inc({ resource }, Math.max(0, answered - read))
    },
    batchItem: (operation, errorType) => items.inc(operation, errorType),
    breakerTransition: (from, to) => transitions.inc({ from, to }),
    idempotencyClaim: (result) => claims.inc({ result }),
    idempotencyEvicted: () => evictions.inc(),
    redisError: (kind) => redisErrors.inc({ kind }),
    watch (given) {
      // only with REDIS_URL: no Redis is not a Redis down
      if (given.redisUp !== undefined && probes.redisUp === undefined) {
        gauge('hostaway_redis_up', '1 while Redis answers, 0 while it is unavailable (only with REDIS_URL)', (g) => { g.set(probes.redisUp?.() === true ? 1 : 0) })
      }
      // only without REDIS_URL: the store of this process
      if (given.idempotencyStore !== undefined && probes.idempotencyStore === undefined) {
        gauge('hostaway_idempotency_store_entries', 'Idempotency-Key entries (claims and results) the in-memory store holds (without REDIS_URL)', (g) => { g.set(probes.idempotencyStore?.().entries ?? 0) })
        gauge('hostaway_idempotency_store_bytes', 'Estimated memory of the in-memory Idempotency-Key store: keys and results (bytes; bounded by BATCH_IDEMPOTENCY_MAX_BYTES)', (g) => { g.set(probes.idempotencyStore?.().bytes ?? 0) })
      }
      Object.assign(probes, given)
    }
  }
}
