import t from 'tap'
import pino from 'pino'
import { sandbox, seededTests } from '../../helper.js'
import { failure, testClient, type TestClientOptions } from './fixtures.js'
import { upstreamCount } from '../../fixtures/harness.js'

const lines: string[] = []
const logger = pino({ level: 'debug' }, { write (s: string) { lines.push(s) } })

type Scope = Pick<typeof t, 'teardown'>

const LISTING_GET = /^GET \S*\/listings\/:[^/]+$/

const sb = await sandbox(t)
const test = seededTests(t, sb)

const listingGets = async () => upstreamCount((await sb.stats()).requests.by_route, LISTING_GET)

function client (t: Scope, env: TestClientOptions['env'] = {}, opts: TestClientOptions = {}) {
  return testClient(t, sb, { log: logger, env, ...opts })
}

// The client's calls in flight together: shared reads, invalidation, aborts and close (the
// classification of single calls is in client.test.ts).

test('concurrent identical reads share one upstream call (cache disabled)', async (t) => {
  const c = client(t, { CACHE_TTL_MS: 0 })
  await c.checkReady()
  await sb.setFaults({ latency_ms: { min: 100, max: 100 } })
  const counts = Array.from({ length: 10 }, () => 0)
  const results = await Promise.all(counts.map((_, i) => c.getListing(13, { onAttempt: () => { counts[i]++ } })))
  t.ok(results.every((l) => l.id === 13))
  t.equal(await listingGets(), 1)
  t.same(counts, counts.map(() => 1), 'every caller hears of the one attempt')
})

test('one caller giving up does not abort the shared call for the others', async (t) => {
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

test('updateListing invalidates the cache, on success and on failure', async (t) => {
  const c = client(t, { CACHE_TTL_MS: 60000, HOSTAWAY_MAX_RETRIES: 0 })
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

test('abort while queued for a slot → unprocessed, attempts 0', async (t) => {
  // 2 slots per 5 s: the token and the first read use them, the second read has to queue
  const c = client(t, { HOSTAWAY_RATE_LIMIT_IP: 3, HOSTAWAY_RATE_SAFETY_MARGIN: 1, HOSTAWAY_RATE_WINDOW_MS: 5000, HOSTAWAY_RATE_WINDOW_MARGIN_MS: 0 })
  await c.getListing(17)
  let attempts = 0
  const err = await failure(c.getListing(18, { signal: AbortSignal.timeout(100), onAttempt: () => { attempts++ } }))
  t.equal(err.error_type, 'unprocessed')
  t.equal(err.retryable, true)
  t.equal(err.attempts, 0)
  t.equal(attempts, 0)
  t.ok((err.retry_after_ms ?? 0) > 0, 'hints when a slot frees up')
  t.equal(c.limiter.stats().queued, 0, 'the waiter left the queue')
  t.equal(await listingGets(), 1)
})

test('abort in flight → timeout for GET, outcome_unknown for PUT', async (t) => {
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

test('close: queued calls and later calls are unprocessed', async (t) => {
  const c = client(t, { HOSTAWAY_RATE_LIMIT_IP: 3, HOSTAWAY_RATE_SAFETY_MARGIN: 1, HOSTAWAY_RATE_WINDOW_MS: 5000, HOSTAWAY_RATE_WINDOW_MARGIN_MS: 0 })
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
