import t from 'tap'
import pino from 'pino'
import { sandbox } from '../../helper.js'
import { createHostawayClient, clientOptionsFromConfig, type HostawayClientOptions } from '../../../services/hostaway/client.js'
import { failure, routeCount, testClient } from './fixtures.js'
import { loadConfig } from '../../../services/config.js'
import { createMemoryRateLimiter } from '../../../services/hostaway/limiter.js'

const lines: string[] = []
const logger = pino({ level: 'debug' }, { write (s: string) { lines.push(s) } })

type Scope = Pick<typeof t, 'teardown'>

const LISTING_ROUTE = /listings\/:[^/]+$/

const sb = await sandbox(t)
t.beforeEach(async () => { await sb.reset() })

const listingGets = async () => routeCount((await sb.stats()).requests.by_route, 'GET', LISTING_ROUTE)

function client (t: Scope, over: Partial<HostawayClientOptions> = {}) {
  return testClient(t, sb, { logger, ...over })
}

t.test('typed methods speak Hostaway and unwrap the envelope', async (t) => {
  const c = client(t)
  const page = await c.listListings({ limit: 5, offset: 2 })
  t.equal(page.items.length, 5)
  t.equal(page.limit, 5)
  t.equal(page.offset, 2)
  t.ok(page.count >= 40, 'count is the total')
  const city = page.items[0].city
  if (typeof city === 'string') {
    const inCity = await c.listListings({ city })
    t.ok(inCity.items.length >= 1)
    t.ok(inCity.items.every((l) => l.city === city), 'city filter passed as `city`')
  }

  const listing = await c.getListing(1)
  t.equal(listing.id, 1)
  t.type(listing.name, 'string')

  const days = await c.getListingCalendar(1, { start_date: '2030-01-01', end_date: '2030-01-05' })
  t.equal(days.length, 5)
  t.equal(days[0].date, '2030-01-01')

  const bookings = await c.searchReservations({ listing_id: 1, limit: 3 })
  t.ok(bookings.items.length <= 3)
  t.ok(bookings.items.every((b) => b.listingMapId === 1), 'listing_id passed as listingId')
  const all = await c.searchReservations({})
  t.ok(all.items.length > 0)
  const booking = await c.getReservation(all.items[0].id)
  t.equal(booking.id, all.items[0].id)

  const conversations = await c.listConversations({ reservation_id: booking.id })
  t.ok(Array.isArray(conversations))
  if (conversations.length > 0) {
    const messages = await c.listMessages(conversations[0].id)
    t.ok(Array.isArray(messages))
    t.ok(messages.every((m) => m.conversationId === conversations[0].id))
  }

  const s = c.stats()
  t.equal(s.tokens_requested, 1)
  t.ok(s.upstream_attempts >= 7)
  t.ok(s.limiter.acquired >= s.upstream_attempts + 1, 'token and data attempts all took a slot')
})

t.test('404 → not_found after exactly one attempt', async (t) => {
  const c = client(t)
  let attempts = 0
  const err = await failure(c.getListing(999999, { onAttempt: () => { attempts++ } }))
  t.equal(err.error_type, 'not_found')
  t.equal(err.status_code, 404)
  t.equal(err.retryable, false)
  t.equal(err.attempts, 1)
  t.equal(attempts, 1)
  t.match(err.message, /^GET \/listings\/999999 → HTTP 404: /)
  t.equal(await listingGets(), 1)
})

t.test('invalid ids are rejected without a call', async (t) => {
  const c = client(t)
  const err = await failure(c.getListing(0))
  t.equal(err.error_type, 'validation_error')
  t.equal(err.attempts, 0)
  t.equal((await sb.stats()).requests.total, 0)
})

t.test('a 400 from an update is a validation_error, not retried', async (t) => {
  const c = client(t)
  let attempts = 0
  const err = await failure(c.updateListing(1, { price: -5 }, { onAttempt: () => { attempts++ } }))
  t.equal(err.error_type, 'validation_error')
  t.equal(err.retryable, false)
  t.equal(attempts, 1)
})

t.test('a 503 once is retried and succeeds (2 attempts)', async (t) => {
  const c = client(t)
  await sb.setFaults({ fail_ids_once: { 503: [3] } })
  let attempts = 0
  const listing = await c.getListing(3, { onAttempt: () => { attempts++ } })
  t.equal(listing.id, 3)
  t.equal(attempts, 2)
  t.equal(await listingGets(), 2)
})

t.test('a permanent 500 → upstream_error after 1 + maxRetries attempts', async (t) => {
  const c = client(t, { maxRetries: 3 })
  await sb.setFaults({ fail_ids: { 500: [4] } })
  let attempts = 0
  const err = await failure(c.getListing(4, { onAttempt: () => { attempts++ } }))
  t.equal(err.error_type, 'upstream_error')
  t.equal(err.status_code, 500)
  t.equal(err.retryable, true)
  t.equal(err.attempts, 4)
  t.equal(attempts, 4)
  t.equal(await listingGets(), 4, 'the sandbox saw 4 requests')
  t.match(err.message, /^GET \/listings\/4 → HTTP 500: .*\(after 4 attempts\)$/)
})

t.test('HTTP 200 with status "fail" → upstream_error', async (t) => {
  const c = client(t, { maxRetries: 1 })
  await sb.setFaults({ fail_ids: { fail_200: [5] } })
  const err = await failure(c.getListing(5))
  t.equal(err.error_type, 'upstream_error')
  t.equal(err.status_code, 200)
  t.equal(err.attempts, 2, 'retried like a 5xx')
})

t.test('429: retried after waiting, rate_limit when it persists', async (t) => {
  const c = client(t, { maxRetries: 1, retryBaseMs: 30 })
  await sb.setFaults({ fail_ids_once: { 429: [6] }, fail_ids: { 429: [7] } })
  let attempts = 0
  const listing = await c.getListing(6, { onAttempt: () => { attempts++ } })
  t.equal(listing.id, 6)
  t.equal(attempts, 2)
  const err = await failure(c.getListing(7))
  t.equal(err.error_type, 'rate_limit')
  t.equal(err.status_code, 429)
  t.equal(err.retryable, true)
  t.equal(err.attempts, 2)
  t.ok((err.retry_after_ms ?? 0) > 0, 'retry_after_ms hints at the window')
})

t.test('a hanging upstream → timeout', async (t) => {
  const c = client(t, { timeoutMs: 200, maxRetries: 1 })
  await sb.setFaults({ fail_ids: { hang: [8] } })
  let attempts = 0
  const err = await failure(c.getListing(8, { onAttempt: () => { attempts++ } }))
  t.equal(err.error_type, 'timeout')
  t.equal(err.status_code, null)
  t.equal(err.retryable, true)
  t.equal(attempts, 2)
  t.equal(err.attempts, 2)
})

t.test('a hanging write → outcome_unknown (PUT is idempotent: retryable)', async (t) => {
  const c = client(t, { timeoutMs: 200, maxRetries: 0 })
  await sb.setFaults({ fail_ids: { hang: [9] } })
  const err = await failure(c.updateListing(9, { name: 'Hanging' }))
  t.equal(err.error_type, 'outcome_unknown')
  t.equal(err.retryable, true)
  t.equal(err.attempts, 1)
})

t.test('a reset connection → network_error', async (t) => {
  const c = client(t, { maxRetries: 1 })
  await sb.setFaults({ fail_ids: { reset: [10] } })
  let attempts = 0
  const err = await failure(c.getListing(10, { onAttempt: () => { attempts++ } }))
  t.equal(err.error_type, 'network_error')
  t.equal(err.retryable, true)
  t.equal(attempts, 2)
  t.match(err.message, /^GET \/listings\/10 → network error /)
  // a reset once is absorbed by the retry
  await sb.setFaults({ fail_ids_once: { reset: [11] } })
  t.equal((await c.getListing(11)).id, 11)
})

t.test('cache: a hit makes no upstream call and calls no onAttempt', async (t) => {
  const c = client(t, { cacheTtlMs: 5000 })
  await c.getListing(12)
  let attempts = 0
  const again = await c.getListing(12, { onAttempt: () => { attempts++ } })
  t.equal(again.id, 12)
  t.equal(attempts, 0)
  t.equal(await listingGets(), 1)
  t.equal(c.stats().cache_hits, 1)
  t.equal(c.stats().cache_misses, 1)
  // reservations are cached the same way
  const id = (await c.searchReservations({ limit: 1 })).items[0].id
  await c.getReservation(id)
  await c.getReservation(id)
  t.equal(c.stats().cache_hits, 2)
})

t.test('concurrent identical reads share one upstream call (cache disabled)', async (t) => {
  const c = client(t, { cacheTtlMs: 0 })
  await c.checkReady()
  await sb.setFaults({ latency_ms: { min: 100, max: 100 } })
  const counts = Array.from({ length: 10 }, () => 0)
  const results = await Promise.all(counts.map((_, i) => c.getListing(13, { onAttempt: () => { counts[i]++ } })))
  t.ok(results.every((l) => l.id === 13))
  t.equal(await listingGets(), 1)
  t.same(counts, counts.map(() => 1), 'every caller hears of the one attempt')
  t.equal(c.stats().deduplicated, 9)
})

t.test('one caller giving up does not abort the shared call for the others', async (t) => {
  const c = client(t)
  await c.checkReady()
  await sb.setFaults({ latency_ms: { min: 300, max: 300 } })
  const impatient = failure(c.getListing(14, { signal: AbortSignal.timeout(100) }))
  const patient = c.getListing(14)
  const err = await impatient
  t.equal(err.error_type, 'timeout', 'the read was sent: timeout, not unprocessed')
  t.equal(err.attempts, 1)
  t.equal((await patient).id, 14)
  t.equal(await listingGets(), 1)
})

t.test('updateListing invalidates the cache, on success and on failure', async (t) => {
  const c = client(t, { cacheTtlMs: 60000, maxRetries: 0 })
  const before = await c.getListing(15)
  const updated = await c.updateListing(15, { name: 'Renamed by the test' })
  t.equal(updated.name, 'Renamed by the test')
  const after = await c.getListing(15)
  t.not(after.name, before.name)
  t.equal(after.name, 'Renamed by the test')
  t.equal(await listingGets(), 2, 'read again after the write')

  await c.getListing(16)
  const gets = await listingGets()
  await sb.setFaults({ fail_ids_once: { 500: [16] } })
  const err = await failure(c.updateListing(16, { name: 'Maybe' }))
  t.equal(err.error_type, 'upstream_error')
  t.equal(err.attempts, 1, 'PUT with maxRetries 0')
  await c.getListing(16)
  t.equal(await listingGets(), gets + 1, 'the failed write dropped the cached entry too')
})

t.test('abort while queued for a slot → unprocessed, attempts 0', async (t) => {
  // 2 slots per 5 s: the token and the first read use them, the second read has to queue
  const c = client(t, { rateLimitIp: 3, safetyMargin: 1, rateWindowMs: 5000, windowMarginMs: 0 })
  await c.getListing(17)
  let attempts = 0
  const err = await failure(c.getListing(18, { signal: AbortSignal.timeout(100), onAttempt: () => { attempts++ } }))
  t.equal(err.error_type, 'unprocessed')
  t.equal(err.retryable, true)
  t.equal(err.attempts, 0)
  t.equal(attempts, 0)
  t.ok((err.retry_after_ms ?? 0) > 0, 'hints when a slot frees up')
  t.equal(c.stats().limiter.queued, 0, 'the waiter left the queue')
  t.equal(await listingGets(), 1)
})

t.test('abort in flight → timeout for GET, outcome_unknown for PUT', async (t) => {
  const c = client(t)
  await c.checkReady()
  await sb.setFaults({ latency_ms: { min: 400, max: 400 } })
  const get = await failure(c.getListing(19, { signal: AbortSignal.timeout(150) }))
  t.equal(get.error_type, 'timeout')
  t.equal(get.attempts, 1)
  t.equal(get.retryable, true)
  const put = await failure(c.updateListing(19, { name: 'Slow write' }, { signal: AbortSignal.timeout(150) }))
  t.equal(put.error_type, 'outcome_unknown')
  t.equal(put.attempts, 1)
  t.equal(put.retryable, true)
  t.match(put.message, /may or may not have been applied/)
})

t.test('close: queued calls and later calls are unprocessed', async (t) => {
  const c = client(t, { rateLimitIp: 3, safetyMargin: 1, rateWindowMs: 5000, windowMarginMs: 0 })
  await c.getListing(20)
  const queued = failure(c.getListing(21))
  await new Promise((resolve) => setTimeout(resolve, 20))
  await c.close()
  const err = await queued
  t.equal(err.error_type, 'unprocessed')
  t.match(err.message, /closed/)
  t.equal((await failure(c.getListing(22))).error_type, 'unprocessed')
  await c.close()
})

t.test('clientOptionsFromConfig maps the config', async (t) => {
  const config = loadConfig({ HOSTAWAY_ACCOUNT_ID: '1', HOSTAWAY_API_KEY: 'k', HOSTAWAY_BASE_URL: 'http://127.0.0.1:1/v1' })
  const o = clientOptionsFromConfig(config)
  t.match(o, {
    baseUrl: 'http://127.0.0.1:1/v1',
    accountId: '1',
    apiKey: 'k',
    rateLimitIp: 15,
    rateLimitAccount: 20,
    rateWindowMs: 10000,
    safetyMargin: 1,
    windowMarginMs: 100,
    maxRetries: 3,
    tokenSettleMs: 1000,
    cacheTtlMs: 30000
  })
  t.throws(() => clientOptionsFromConfig(loadConfig({})), /HOSTAWAY_ACCOUNT_ID and HOSTAWAY_API_KEY are not set/)
})

t.test('connection refused → network_error', async (t) => {
  const c = createHostawayClient({ baseUrl: 'http://127.0.0.1:1/v1', accountId: '1', apiKey: 'k', maxRetries: 1, retryBaseMs: 5, logger })
  t.teardown(() => c.close())
  const err = await failure(c.getListing(1))
  t.equal(err.error_type, 'network_error')
  t.equal(err.attempts, 0, 'the token request failed: no data attempt')
  t.match(err.message, /POST \/accessTokens → network error ECONNREFUSED/)
})

t.test('a failing cache store never fails a read; an injected limiter is not closed by the client', async (t) => {
  const broken = {
    get: async () => { throw new Error('store down') },
    set: async () => { throw new Error('store down') },
    delete: async () => { throw new Error('store down') },
    clear: async () => { throw new Error('store down') }
  }
  const limiter = createMemoryRateLimiter({ limits: [{ name: 'ip', max: 15 }], windowMs: 1000, safetyMargin: 1 })
  const c = client(t, { cache: broken, cacheTtlMs: 1000, limiter })
  t.equal((await c.getListing(23)).id, 23)
  t.equal((await c.updateListing(23, { name: 'Still works' })).name, 'Still works')
  t.equal(limiter.stats().acquired, 3, 'the injected limiter was used')
  await c.close()
  await limiter.acquire()
  t.pass('still usable after the client closed')
  limiter.close()
})

t.test('the logs and messages never carry the secret or a token', async (t) => {
  const text = lines.join('')
  t.ok(lines.length > 20, `${lines.length} log lines captured`)
  t.notMatch(text, /sandbox-secret/)
  t.notMatch(text, /Bearer /i)
  t.notMatch(text, /eyJ[\w-]{10,}/)
})
