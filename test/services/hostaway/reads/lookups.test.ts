import t from 'tap'
import { sandbox, seededTests } from '../../../helper.js'
import { lookups, range, upstream } from './lookup-fixtures.js'

type Scope = Pick<typeof t, 'teardown'>

// 250 listings: pages of 100 at offsets 0, 100, 200
const sb = await sandbox(t, { listingCount: 250, rateLimitIp: 10_000, rateLimitAccount: 10_000 })
const OPEN = { HOSTAWAY_RATE_LIMIT_IP: 10_000, HOSTAWAY_RATE_LIMIT_ACCOUNT: 10_000, HOSTAWAY_MAX_RETRIES: 1 }
const gateway = (t: Scope, env: Record<string, string | number> = {}) => lookups(t, sb, { ...OPEN, ...env })
const test = seededTests(t, sb)

test('100 cold ids: one probe page serves them all, reports its attempts and fills the cache', async (t) => {
  const g = gateway(t)
  const res = await g.listings(range(1, 100))
  t.equal(res.success_count, 100)
  t.ok(res.successful.every((r) => r.attempts === 1), 'each item reports the attempts of the page that served it')
  t.same(res.successful.map((r) => r.data?.id), range(1, 100), 'request order')
  t.match(await upstream(sb), { listingPages: 1, listingGets: 0 })

  const again = await g.listings(range(1, 100))
  t.equal(again.success_count, 100)
  t.ok(again.successful.every((r) => r.attempts === 0), 'from the cache the page filled')
  t.match(await upstream(sb), { listingPages: 1, listingGets: 0 }, 'no upstream call')
})

test('the page index: a page known to hold none of the ids is skipped; unknown ids are read by id and their 404 remembered', async (t) => {
  const g = gateway(t)
  await g.listings(range(1, 10)) // probe: page 0 holds 1..100, the count is 250
  const res = await g.listings([150, 160, 170, 901, 902])
  t.equal(res.success_count, 3)
  t.match(res.failed, [
    { operation_id: '901', error_type: 'not_found', status_code: 404, attempts: 1 },
    { operation_id: '902', error_type: 'not_found', status_code: 404, attempts: 1 }
  ])
  t.match(await upstream(sb), { listingPages: 3, listingGets: 2 }, 'pages 1 and 2 (never read), not page 0 again; then the two unknown ids: 4 calls for 5 ids')
  const third = await g.listings([901, 902, 150])
  t.match(third.failed, [{ operation_id: '901', error_type: 'not_found', attempts: 0 }, { operation_id: '902', error_type: 'not_found', attempts: 0 }])
  t.match(await upstream(sb), { listingPages: 3, listingGets: 2 }, 'the negative cache answers: 0 calls')
})

test('the listing count from GET /listings: no scan when the pages would not be fewer than the ids', async (t) => {
  const cold = gateway(t)
  await cold.listings([210, 220, 230])
  t.match(await upstream(sb), { listingPages: 3, listingGets: 0 }, 'count unknown: one probe page (it held none); the two pages left cost less than three GETs')

  await sb.reset()
  const told = gateway(t)
  await told.client.listListings({ limit: 5, offset: 0 })
  await told.listings([210, 220, 230])
  t.match(await upstream(sb), { listingPages: 1, listingGets: 3 }, 'an unfiltered list told the count (250: 3 pages for 3 ids): straight to per-id')

  await sb.reset()
  const filtered = gateway(t)
  await filtered.client.listListings({ limit: 5, offset: 0, city: 'Rome' })
  await filtered.listings([210, 220, 230])
  t.match(await upstream(sb), { listingPages: 4, listingGets: 0 }, 'a filtered list tells nothing of the account: probe again')
})

test('GET /listings pages fill the by-id cache', async (t) => {
  const g = gateway(t)
  const page = await g.client.listListings({ limit: 20, offset: 40 })
  t.equal(page.items.length, 20)
  const listing = await g.client.getListing(45)
  t.same(listing, page.items[4])
  t.match(await upstream(sb), { listingPages: 1, listingGets: 0 })
})

test('a failed list page sends its ids to per-id GETs; a page that fails once is retried', async (t) => {
  for (const mode of ['503', '429', 'reset'] as const) {
    await sb.reset()
    await sb.setFaults({ fail_routes: { [mode]: ['GET /v1/listings'] } })
    const g = gateway(t, { HOSTAWAY_RETRY_BASE_MS: 5 })
    const res = await g.listings(range(1, 10))
    t.equal(res.success_count, 10, `${mode}: every id served by its GET`)
    t.ok(res.successful.every((r) => r.attempts === 1), `${mode}: items report their own GET's attempt`)
    t.match(await upstream(sb), { listingPages: 2, listingGets: 10 }, `${mode}: the page and its retry, then per-id`)
  }
  await sb.reset()
  await sb.setFaults({ fail_routes_once: { 503: ['GET /v1/listings'] } })
  const g = gateway(t, { HOSTAWAY_RETRY_BASE_MS: 5 })
  const res = await g.listings(range(1, 10))
  t.equal(res.success_count, 10)
  t.ok(res.successful.every((r) => r.attempts === 2), 'served by the page, which took two attempts')
  t.match(await upstream(sb), { listingPages: 2, listingGets: 0 })
})

test('ids a page leaves out are read by id', async (t) => {
  await sb.setFaults({ omit_from_lists: [3, 7] })
  const g = gateway(t)
  const res = await g.listings([...range(1, 10), 999])
  t.equal(res.success_count, 10)
  t.match(res.failed, [{ operation_id: '999', error_type: 'not_found', status_code: 404 }])
  // page 0 resolved 8 of 11; pages 1 and 2 (fewer than the 3 ids left) may hold the rest: read, in vain; then by id
  t.match(await upstream(sb), { listingPages: 3, listingGets: 3 }, '6 calls for 11 ids')
  t.same(res.successful.map((r) => r.data?.id), range(1, 10))
})

test('ids on no page: the full scan + their GETs (per-id + the 3 pages), then none', async (t) => {
  const g = gateway(t)
  const res = await g.listings(range(901, 910))
  t.equal(res.failure_count, 10)
  t.ok(res.failed.every((r) => r.error_type === 'not_found' && r.status_code === 404))
  t.match(await upstream(sb), { listingPages: 3, listingGets: 10 }, 'the pages could not tell they were on none: 13 calls, a full scan + 0')
  await g.listings(range(901, 910))
  t.match(await upstream(sb), { listingPages: 3, listingGets: 10 }, 'the negative cache answers')
})

test('concurrent batches share a page in flight', async (t) => {
  await sb.setFaults({ latency_ms: { min: 50, max: 50 } })
  const g = gateway(t)
  const [a, b] = await Promise.all([g.listings(range(1, 10)), g.listings(range(5, 20))])
  t.equal(a.success_count + b.success_count, 26)
  t.match(await upstream(sb), { listingPages: 1, listingGets: 0 })
})

test('a deadline during a scan: the ids of a page in flight time out, with its attempts', async (t) => {
  await sb.setFaults({ fail_routes: { hang: ['GET /v1/listings'] } })
  const g = gateway(t, { HOSTAWAY_TIMEOUT_MS: 5000 })
  const res = await g.listings(range(1, 5), 300)
  t.equal(res.failure_count, 5)
  for (const f of res.failed) {
    t.match(f, { error_type: 'timeout', status_code: 504, retryable: true, attempts: 1 })
    t.match(f.error, /^GET \/listings\/\d+ → no answer: the batch deadline of 300 ms passed while GET \/listings \(a list page that may hold it\) was in flight$/)
  }
  t.match(await upstream(sb), { listingPages: 1, listingGets: 0 })
})

test('a page whose turn would come past the deadline is refused at once: its ids unprocessed, attempts 0, nothing sent', async (t) => {
  // 3 per window, 1 in reserve: the token and one GET fill the window; the next slot is ~1 s away, the deadline 200 ms
  const g = lookups(t, sb, { HOSTAWAY_RATE_LIMIT_IP: 3, HOSTAWAY_RATE_WINDOW_MS: 1000, HOSTAWAY_TOKEN_SETTLE_MS: 0 })
  await g.client.getListing(200)
  const res = await g.listings(range(1, 5), 200)
  t.equal(res.failure_count, 5, 'every item reported')
  for (const f of res.failed) {
    t.match(f, { error_type: 'unprocessed', status_code: 503, retryable: true, attempts: 0 })
    t.match(f.error, /^GET \/listings\/\d+ was not sent: GET \/listings \(a list page that may hold it\) was refused: no rate-limit slot in time: its turn would come in about \d+ ms, its deadline is in \d+ ms$/)
    t.ok((f.retry_after_ms ?? 0) > 200, 'with the predicted wait')
  }
  t.match(await upstream(sb), { listingPages: 0, listingGets: 1 }, 'no page, and no per-id GET after the refusal')
  t.equal(g.client.limiter.stats().refused, 1, 'one refusal: the page; its ids were not tried one by one')
})

test('BATCH_PLANNER=off: one GET per uncached id, as before', async (t) => {
  const g = gateway(t, { BATCH_PLANNER: 'off' })
  const res = await g.listings(range(1, 10))
  t.equal(res.success_count, 10)
  t.match(await upstream(sb), { listingPages: 0, listingGets: 10 })
})
