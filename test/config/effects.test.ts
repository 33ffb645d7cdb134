import t from 'tap'
import { setTimeout as delay } from 'node:timers/promises'
import { keyId } from '../../services/auth.js'
import { ConfigError, loadConfig } from '../../services/config.js'
import { build, sandbox } from '../helper.js'
import { upstreamOrder } from '../overload/helper.js'
import { serve } from '../reliability/helper.js'
import { testClient } from '../services/hostaway/fixtures.js'

// Configuration variables that had no test showing that changing them changes behaviour
// (the map of every variable to its test is in coverage.test.ts).

t.test('BATCH_TIMEOUT_MS is the deadline of a batch whose body has no timeout_ms; timeout_ms overrides it', async (t) => {
  // listing 7 never answers (the attempt timeout, 5 s, outlives both deadlines): the deadline ends
  // it; listing 8 answers well within it, even on a loaded machine
  const { app } = await build(t, { BATCH_TIMEOUT_MS: '1500', HOSTAWAY_TIMEOUT_MS: '5000', BATCH_PLANNER: 'off', CACHE_TTL_MS: '0' }, { faults: { fail_ids: { hang: [7] } } })
  // the token first: its request is not what the deadline is about
  t.equal((await app.inject({ url: '/ready' })).statusCode, 200)
  const configured = await app.inject({ method: 'POST', url: '/api/batch/listings', payload: { ids: [7, 8] } })
  t.equal(configured.statusCode, 200)
  t.match(configured.json().failed, [{ operation_id: '7', error_type: 'timeout', error: /the batch deadline of 1500 ms passed/ }], 'BATCH_TIMEOUT_MS, not the built-in 30 s')
  t.match(configured.json().successful, [{ operation_id: '8' }])
  const update = await app.inject({ method: 'PATCH', url: '/api/listings/batch', payload: { updates: [{ listing_id: 7, price: 70 }] } })
  t.match(update.json().failed, [{ error_type: 'outcome_unknown', error: /the batch deadline of 1500 ms passed/ }], 'batch updates too')
  const given = await app.inject({ method: 'POST', url: '/api/batch/listings', payload: { ids: [7], timeout_ms: 700 } })
  t.match(given.json().failed, [{ error_type: 'timeout', error: /the batch deadline of 700 ms passed/ }], 'a timeout_ms in the body wins')
})

t.test('LOG_LEVEL: warn leaves out the request lines info writes', async (t) => {
  const requestLines = async (level: string) => {
    const { app, logs } = await build(t, { LOG_LEVEL: level })
    await app.inject({ url: '/health' })
    return logs.entries().filter((e) => e.msg === 'incoming request' || e.msg === 'request completed').length
  }
  t.equal(await requestLines('info'), 2)
  t.equal(await requestLines('warn'), 0)
})

t.test('HOSTAWAY_RETRY_BASE_MS: the wait before retrying a rate-limited call', async (t) => {
  const sb = await sandbox(t)
  const gapAfter429 = async (baseMs: number, id: number) => {
    const c = testClient(t, sb, { env: { HOSTAWAY_RETRY_BASE_MS: baseMs, HOSTAWAY_MAX_RETRIES: 1 } })
    await sb.setFaults({ fail_ids_once: { 429: [id] } })
    const starts: number[] = []
    t.equal((await c.getListing(id, { onAttempt: () => starts.push(performance.now()) })).id, id)
    t.equal(starts.length, 2, 'answered 429 once, then served')
    return starts[1] - starts[0]
  }
  const slow = await gapAfter429(1200, 6)
  const fast = await gapAfter429(0, 7)
  t.ok(slow >= 1200, `with 1200 ms, the retry came ${Math.round(slow)} ms after the first attempt`)
  t.ok(fast < slow, `with 0, it came sooner (${Math.round(fast)} ms)`)
})

t.test('BATCH_IDEMPOTENCY_TTL_MS: how long a batch update can be replayed by its Idempotency-Key', async (t) => {
  const { app, sandbox: sb } = await build(t, { BATCH_IDEMPOTENCY_TTL_MS: '1500' })
  const puts = async () => (await sb.stats()).requests.by_route['PUT /v1/listings/:id'] ?? 0
  const send = () => app.inject({ method: 'PATCH', url: '/api/listings/batch', headers: { 'idempotency-key': 'ttl-1' }, payload: { updates: [{ listing_id: 3, price: 33 }] } })
  t.equal((await send()).statusCode, 200)
  t.equal((await send()).headers['idempotent-replayed'], 'true', 'replayed within the TTL')
  t.equal(await puts(), 1)
  await delay(1600)
  const later = await send()
  t.equal(later.headers['idempotent-replayed'], undefined, 'run again once the TTL passed')
  t.equal(await puts(), 2)
})

t.test('LIMITER_WEIGHTS: a caller of weight 3 gets three turns for each of another caller\'s', async (t) => {
  t.throws(() => loadConfig({ LIMITER_WEIGHTS: 'abc=0' }), ConfigError)
  t.throws(() => loadConfig({ LIMITER_WEIGHTS: 'abc=17' }), /^Invalid configuration: LIMITER_WEIGHTS has a bad entry "abc=17" \(entries: caller=weight, weight 1-16\)$/)
  t.throws(() => loadConfig({ LIMITER_WEIGHTS: '=2' }), ConfigError)
  const order = upstreamOrder()
  const { url, app } = await serve(t, {
    API_KEYS: 'key-a,key-b',
    LIMITER_WEIGHTS: `${keyId('key-a')}=3, ip:192.0.2.1=2`,
    HOSTAWAY_RATE_LIMIT_IP: '6',
    HOSTAWAY_RATE_WINDOW_MS: '200',
    HOSTAWAY_RATE_WINDOW_MARGIN_MS: '300',
    CACHE_TTL_MS: '0',
    BATCH_PLANNER: 'off',
    BATCH_CONCURRENCY: '16'
  }, { rateWindowMs: 200, listingCount: 60, logger: order.logger })
  await app.inject({ url: '/ready' })
  const lookup = (key: string, ids: number[]) => fetch(`${url}/api/batch/listings`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: JSON.stringify({ ids, timeout_ms: 60_000 })
  })
  const aIds = Array.from({ length: 16 }, (_, i) => i + 1)
  const bIds = Array.from({ length: 16 }, (_, i) => i + 31)
  const [a, b] = await Promise.all([lookup('key-a', aIds), lookup('key-b', bIds)])
  t.equal(a.status, 200)
  t.equal(b.status, 200)
  const reads = order.calls().filter((c) => c.startsWith('GET /v1/listings/')).map((c) => Number(c.split('/').pop()))
  t.equal(reads.length, 32)
  // after the first window (4 free slots, first come first served) both wait: count until A's last read
  const contended = reads.slice(4, reads.findLastIndex((id) => id <= 16) + 1)
  const share = contended.filter((id) => id <= 16).length / contended.length
  t.ok(share >= 0.65, `A's share while both waited: ${(share * 100).toFixed(0)} % of ${contended.length} reads (3 : 1 is 75 %, equal weights 50 %)`)
})
