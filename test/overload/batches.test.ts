import t from 'tap'
import { everyItemOnce, serve, until, upstreamCount, type BatchBody } from '../reliability/helper.js'
import { json } from './helper.js'

// Batches from two callers with deadlines shorter than the saturated queue needs: the items whose
// turn would come too late come back unprocessed at once, with retry_after_ms; every item is
// reported exactly once; nothing refused is sent. Real HTTP against the sandbox.

const ENV = {
  API_KEYS: 'key-a,key-b',
  HOSTAWAY_RATE_LIMIT_IP: '6',
  HOSTAWAY_RATE_WINDOW_MS: '200',
  HOSTAWAY_RATE_WINDOW_MARGIN_MS: '300',
  CACHE_TTL_MS: '0',
  // these tests are about admission by deadline; the lag margin (test/reliability/stalls.test.ts) would
  // stretch the 200 ms windows by whatever other work makes this loop lag, so one caller's request,
  // parsed late, could find every slot of the deadline taken: the static 300 ms margin keeps the budget
  HOSTAWAY_RATE_LAG_MARGIN_MAX_MS: '0'
}

type Body = BatchBody & { failed: Array<BatchBody['failed'][number] & { error: string }> }

async function send (url: string, method: 'POST' | 'PATCH', path: string, key: string, payload: unknown): Promise<Body> {
  const res = await fetch(`${url}${path}`, { method, headers: json(key), body: JSON.stringify(payload) })
  t.equal(res.status, 200, `${method} ${path}: 200 once the batch ran`)
  return await res.json() as Body
}

/** Items sent in time whose answer the deadline cut (only on a machine so loaded that the sandbox, in this process, answers late). */
const unanswered = (body: Body) => body.failed.filter((f) => f.attempts > 0 && (f.error_type === 'timeout' || f.error_type === 'outcome_unknown'))

function checkFailures (t: Pick<typeof import('tap'), 'match' | 'ok'>, body: Body): void {
  for (const f of body.failed) {
    if (unanswered(body).includes(f)) continue
    t.match(f, { error_type: 'unprocessed', retryable: true, attempts: 0 })
    if (f.retry_after_ms !== null) t.match(f.error, /was not sent: no rate-limit slot in time: its turn would come in about \d+ ms/)
  }
  t.ok(body.failed.some((f) => (f.retry_after_ms ?? 0) > 0), 'refused items say when their turn would come')
}

t.test('per-id batches of two callers past their deadlines: every item once, refused ones unprocessed and never sent', async (t) => {
  const { url, app, sandbox: sb } = await serve(t, { ...ENV, BATCH_PLANNER: 'off' }, { rateWindowMs: 200, listingCount: 60 })
  await app.inject({ url: '/ready' })
  const lookupIds = Array.from({ length: 30 }, (_, i) => i + 1)
  const updates = Array.from({ length: 20 }, (_, i) => ({ listing_id: 31 + i, price: 300 + i }))
  // 1.3 s: room for ~3 windows of 5 calls, shared by both
  const t0 = performance.now()
  const [lookup, update] = await Promise.all([
    send(url, 'POST', '/api/batch/listings', 'key-a', { ids: lookupIds, timeout_ms: 1300 }),
    send(url, 'PATCH', '/api/listings/batch', 'key-b', { updates, timeout_ms: 1300 })
  ])
  t.comment(`both answered in ${Math.round(performance.now() - t0)} ms`)
  t.equal(everyItemOnce(lookup, lookupIds), undefined, 'lookup: every item once, in order')
  t.equal(everyItemOnce(update, updates.map((u) => u.listing_id)), undefined, 'update: every item once, in order')
  checkFailures(t, lookup)
  checkFailures(t, update)
  const sentLookups = lookup.success_count + unanswered(lookup).length
  const sentUpdates = update.success_count + unanswered(update).length
  t.ok(sentLookups + sentUpdates >= 1 && sentLookups + sentUpdates <= 15, `${sentLookups + sentUpdates} items sent: at most the 15 slots of the deadline's 3 windows`)
  t.ok(sentLookups >= 1 && sentUpdates >= 1, 'both callers had turns')
  const s = await sb.stats()
  t.equal(upstreamCount(s.requests.by_route, /^GET \/v1\/listings\/:id$/), sentLookups, 'reads sent = items served (or sent, unanswered)')
  t.equal(upstreamCount(s.requests.by_route, /^PUT \/v1\/listings\/:id$/), sentUpdates, 'writes sent = items applied (or sent, unanswered): a refused write was never sent')
  t.equal(s.rate_limited, 0)
})

t.test('planned lookups: a list page whose turn would come past the deadline reports each of its ids once, unprocessed', async (t) => {
  // 5 calls per 2.3 s; caller B's writes take the window, so the next slot is ~2 s away
  const { url, app, sandbox: sb } = await serve(t, { ...ENV, HOSTAWAY_RATE_WINDOW_MS: '2000', BATCH_CONCURRENCY: '8' }, { rateWindowMs: 2000, listingCount: 60 })
  await app.inject({ url: '/ready' })
  const updates = Array.from({ length: 8 }, (_, i) => ({ listing_id: 31 + i, price: 400 + i }))
  const writes = send(url, 'PATCH', '/api/listings/batch', 'key-b', { updates, timeout_ms: 10_000 })
  await until(async () => upstreamCount((await sb.stats()).requests.by_route, /^PUT /) >= 4, 10_000, 'the window used up')
  // caller A's lookup (the planner reads a page of recent reservations first) has 300 ms
  const ids = Array.from({ length: 20 }, (_, i) => i + 1)
  const body = await send(url, 'POST', '/api/batch/bookings', 'key-a', { ids, timeout_ms: 300 })
  t.equal(everyItemOnce(body, ids), undefined, 'every item once, in order')
  t.equal(body.failure_count, 20)
  for (const f of body.failed) {
    t.match(f, { error_type: 'unprocessed', retryable: true, attempts: 0 })
    t.match(f.error, /^GET \/reservations\/\d+ was not sent: GET \/reservations \(a list page that may hold it\) was refused: no rate-limit slot in time/)
    t.ok((f.retry_after_ms ?? 0) > 300, 'with the predicted wait')
  }
  t.equal(upstreamCount((await sb.stats()).requests.by_route, /reservations/), 0, 'no page and no per-id read was sent')
  const written = await writes
  t.equal(written.success_count, 8, 'B\'s batch went on')
})
