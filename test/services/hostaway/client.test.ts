import t from 'tap'
import pino from 'pino'
import { sandbox, seededTests } from '../../helper.js'
import { failure, testClient, type TestClientOptions } from './fixtures.js'
import { upstreamCount } from '../../fixtures/harness.js'
import { loadConfig } from '../../../services/config.js'
import { limiterFromConfig } from '../../../services/compose.js'
import { NO_TELEMETRY } from '../../../services/telemetry.js'

const lines: string[] = []
const logger = pino({ level: 'debug' }, { write (s: string) { lines.push(s) } })

type Scope = Pick<typeof t, 'teardown'>

const LISTING_GET = /^GET \S*\/listings\/:[^/]+$/
const RESERVATION_GET = /^GET \S*\/reservations\/:[^/]+$/

const sb = await sandbox(t)
const test = seededTests(t, sb)

const listingGets = async () => upstreamCount((await sb.stats()).requests.by_route, LISTING_GET)

function client (t: Scope, env: TestClientOptions['env'] = {}, opts: TestClientOptions = {}) {
  return testClient(t, sb, { log: logger, env, ...opts })
}

test('typed methods speak Hostaway and unwrap the envelope', async (t) => {
  const c = client(t)
  const page = await c.listListings({ limit: 5, offset: 2 })
  t.equal(page.items.length, 5)
  t.equal(page.limit, 5)
  t.equal(page.offset, 2)
  t.ok(page.count >= 40, 'count is the total')
  const city = page.items[0].city
  if (typeof city === 'string') {
    const inCity = await c.listListings({ city, limit: 20, offset: 0 })
    t.ok(inCity.items.length >= 1)
    t.ok(inCity.items.every((l) => l.city === city), 'city filter passed as `city`')
  }

  const listing = await c.getListing(1)
  t.equal(listing.id, 1)
  t.type(listing.name, 'string')

  const days = await c.getListingCalendar(1, { start_date: '2030-01-01', end_date: '2030-01-05' })
  t.equal(days.length, 5)
  t.equal(days[0].date, '2030-01-01')

  const bookings = await c.searchReservations({ listing_id: 1, limit: 3, offset: 0 })
  t.ok(bookings.items.length <= 3)
  t.ok(bookings.items.every((b) => b.listingMapId === 1), 'listing_id passed as listingId')
  const all = await c.searchReservations({ limit: 20, offset: 0 })
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

  const s = await sb.stats()
  t.equal(upstreamCount(s.requests.by_route, /^POST \S*accessTokens$/), 1, 'one token request')
  t.ok(s.requests.total >= 8)
  t.equal(c.limiter.stats().acquired, s.requests.total, 'token and data attempts all took a slot')
})

test('404 → not_found after exactly one attempt', async (t) => {
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

test('invalid ids are rejected without a call', async (t) => {
  const c = client(t)
  const err = await failure(c.getListing(0))
  t.equal(err.error_type, 'validation_error')
  t.equal(err.attempts, 0)
  t.equal((await sb.stats()).requests.total, 0)
})

test('a 400 from an update is a validation_error, not retried', async (t) => {
  const c = client(t)
  let attempts = 0
  const err = await failure(c.updateListing(1, { price: -5 }, { onAttempt: () => { attempts++ } }))
  t.equal(err.error_type, 'validation_error')
  t.equal(err.retryable, false)
  t.equal(attempts, 1)
})

test('a 503 once is retried and succeeds (2 attempts)', async (t) => {
  const c = client(t)
  await sb.setFaults({ fail_ids_once: { 503: [3] } })
  let attempts = 0
  const listing = await c.getListing(3, { onAttempt: () => { attempts++ } })
  t.equal(listing.id, 3)
  t.equal(attempts, 2)
  t.equal(await listingGets(), 2)
})

test('a permanent 500 → upstream_error after 1 + maxRetries attempts', async (t) => {
  const c = client(t, { HOSTAWAY_MAX_RETRIES: 3 })
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

test('HTTP 200 with status "fail" → upstream_error', async (t) => {
  const c = client(t, { HOSTAWAY_MAX_RETRIES: 1 })
  await sb.setFaults({ fail_ids: { fail_200: [5] } })
  const err = await failure(c.getListing(5))
  t.equal(err.error_type, 'upstream_error')
  t.equal(err.status_code, 200)
  t.equal(err.attempts, 2, 'retried like a 5xx')
})

test('429: retried after waiting, rate_limit when it persists', async (t) => {
  const c = client(t, { HOSTAWAY_MAX_RETRIES: 1, HOSTAWAY_RETRY_BASE_MS: 30 })
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

test('a hanging upstream → timeout', async (t) => {
  const c = client(t, { HOSTAWAY_TIMEOUT_MS: 200, HOSTAWAY_MAX_RETRIES: 1 })
  await sb.setFaults({ fail_ids: { hang: [8] } })
  let attempts = 0
  const err = await failure(c.getListing(8, { onAttempt: () => { attempts++ } }))
  t.equal(err.error_type, 'timeout')
  t.equal(err.status_code, null)
  t.equal(err.retryable, true)
  t.equal(attempts, 2)
  t.equal(err.attempts, 2)
})

test('a hanging write → outcome_unknown (PUT is idempotent: retryable)', async (t) => {
  const c = client(t, { HOSTAWAY_TIMEOUT_MS: 200, HOSTAWAY_MAX_RETRIES: 0 })
  await sb.setFaults({ fail_ids: { hang: [9] } })
  const err = await failure(c.updateListing(9, { name: 'Hanging' }))
  t.equal(err.error_type, 'outcome_unknown')
  t.equal(err.retryable, true)
  t.equal(err.attempts, 1)
})

test('a reset connection → network_error', async (t) => {
  const c = client(t, { HOSTAWAY_MAX_RETRIES: 1 })
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

test('cache: a hit makes no upstream call and calls no onAttempt', async (t) => {
  const c = client(t, { CACHE_TTL_MS: 5000 })
  await c.getListing(12)
  let attempts = 0
  const again = await c.getListing(12, { onAttempt: () => { attempts++ } })
  t.equal(again.id, 12)
  t.equal(attempts, 0)
  t.equal(await listingGets(), 1)
  // reservations are cached the same way
  const id = (await c.searchReservations({ limit: 1, offset: 0 })).items[0].id
  await c.getReservation(id)
  await c.getReservation(id)
  t.equal(upstreamCount((await sb.stats()).requests.by_route, RESERVATION_GET), 1)
})

test('the limiter applies the configured budgets and margins', async (t) => {
  const limiter = limiterFromConfig(loadConfig({ HOSTAWAY_RATE_LIMIT_IP: '15', HOSTAWAY_RATE_LIMIT_ACCOUNT: '20', HOSTAWAY_RATE_SAFETY_MARGIN: '1', HOSTAWAY_RATE_WINDOW_MS: '10000', HOSTAWAY_RATE_WINDOW_MARGIN_MS: '100' }), NO_TELEMETRY)
  t.equal(limiter.cap, 14, 'min(15, 20) - 1')
  t.equal(limiter.windowMs, 10100)
  limiter.close()
  const account = limiterFromConfig(loadConfig({ HOSTAWAY_RATE_LIMIT_IP: '50', HOSTAWAY_RATE_LIMIT_ACCOUNT: '6', HOSTAWAY_RATE_SAFETY_MARGIN: '2', HOSTAWAY_RATE_WINDOW_MS: '500', HOSTAWAY_RATE_WINDOW_MARGIN_MS: '0' }), NO_TELEMETRY)
  t.equal(account.cap, 4, 'the account budget is the tighter one here')
  t.equal(account.windowMs, 500)
  account.close()
})

test('connection refused → network_error', async (t) => {
  const c = client(t, { HOSTAWAY_BASE_URL: 'http://127.0.0.1:1/v1', HOSTAWAY_MAX_RETRIES: 1, HOSTAWAY_RETRY_BASE_MS: 5 })
  const err = await failure(c.getListing(1))
  t.equal(err.error_type, 'network_error')
  t.equal(err.attempts, 0, 'the token request failed: no data attempt')
  t.match(err.message, /POST \/accessTokens → network error ECONNREFUSED/)
})

test('a failing cache store never fails a read or a write', async (t) => {
  const broken = {
    get: async () => { throw new Error('store down') },
    set: async () => { throw new Error('store down') },
    delete: async () => { throw new Error('store down') },
    clear: async () => { throw new Error('store down') }
  }
  const c = client(t, { CACHE_TTL_MS: 1000 }, { store: broken })
  t.equal((await c.getListing(23)).id, 23)
  t.equal((await c.updateListing(23, { name: 'Still works' })).name, 'Still works')
  t.equal((await c.getListing(23)).name, 'Still works', 'read again upstream')
  await c.close()
  t.ok(lines.some((l) => l.includes('hostaway read cache failed') && l.includes('store down')), 'the store failures were logged')
})

test('the logs and messages never carry the secret or a token', async (t) => {
  const text = lines.join('')
  t.ok(lines.length > 20, `${lines.length} log lines captured`)
  t.notMatch(text, /sandbox-secret/)
  t.notMatch(text, /Bearer /i)
  t.notMatch(text, /eyJ[\w-]{10,}/)
})
