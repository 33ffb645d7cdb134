import t from 'tap'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as delay } from 'node:timers/promises'
import { everyItemOnce, serve, upstreamCount, type BatchBody } from './helper.js'

// The circuit breaker against the sandbox over real HTTP: open → half-open → closed, and its
// three settings (BREAKER_FAILURE_THRESHOLD, BREAKER_OPEN_MS, BREAKER_WINDOW_MS) taking effect.

const LISTING_GETS = /^GET \/v1\/listings\/:id$/

t.test('open → fail fast without upstream calls → one half-open probe → closed', async (t) => {
  const { app, sandbox: sb } = await serve(t, {
    BREAKER_FAILURE_THRESHOLD: '3', BREAKER_OPEN_MS: '800', HOSTAWAY_MAX_RETRIES: '2', HOSTAWAY_RETRY_BASE_MS: '5', CACHE_TTL_MS: '0'
  })
  const gets = async () => upstreamCount((await sb.stats()).requests.by_route, LISTING_GETS)
  t.equal((await app.inject({ url: '/api/listings/1' })).statusCode, 200, 'healthy: the token is at hand')

  await sb.setFaults({ status_rates: { 503: 1 } })
  const failing = await app.inject({ url: '/api/listings/2' })
  t.equal(failing.statusCode, 502)
  t.match(failing.json(), { error_type: 'upstream_error', message: /HTTP 503.*after 3 attempts/ })
  t.equal(await gets(), 4, 'three failed attempts: the threshold')

  // open: single reads, batches and readiness are refused at once, nothing goes upstream
  const started = performance.now()
  const single = await app.inject({ url: '/api/listings/3' })
  const singleMs = performance.now() - started
  const batch = await app.inject({ method: 'POST', url: '/api/batch/listings', payload: { ids: [4, 5, 6, 7, 8, 9, 10, 11, 12, 13] } })
  const elapsed = performance.now() - started
  t.equal(single.statusCode, 502)
  t.match(single.json(), { error_type: 'upstream_error', message: /^GET \/listings\/3 was not sent: Hostaway is failing \(3 failures in a row, the last: GET \/listings\/2 → HTTP 503\); circuit breaker open$/ })
  t.equal(single.headers['retry-after'], '1', 'Retry-After: the time to the next probe, rounded up')
  const body = batch.json() as BatchBody
  t.equal(everyItemOnce(body, [4, 5, 6, 7, 8, 9, 10, 11, 12, 13]), undefined)
  t.equal(body.failure_count, 10)
  for (const item of body.failed) {
    t.match(item, { error_type: 'upstream_error', retryable: true, attempts: 0 })
    t.ok(item.retry_after_ms !== null && item.retry_after_ms > 0 && item.retry_after_ms <= 800, `retry_after_ms ${item.retry_after_ms} ≤ BREAKER_OPEN_MS`)
  }
  t.ok(elapsed < 2000, `a single read and a 10-id batch refused in ${Math.round(elapsed)} ms`)
  t.comment(`open breaker: a single read refused in ${singleMs.toFixed(1)} ms, it and a 10-id batch in ${Math.round(elapsed)} ms (app.inject)`)
  t.equal(await gets(), 4, 'no upstream call while open')
  const ready = await app.inject({ url: '/ready' })
  t.equal(ready.statusCode, 503)
  t.match(ready.json(), { error_type: 'upstream_error', message: /^Not ready: Hostaway is failing .*circuit breaker open$/ })
  t.equal(ready.headers['retry-after'], '1')

  // half-open: the upstream is back but slow; of three concurrent reads one is the probe
  await sb.setFaults({ latency_ms: { min: 800, max: 800 } })
  await delay(900)
  const probing = await Promise.all([20, 21, 22].map((id) => app.inject({ url: `/api/listings/${id}` })))
  t.same(probing.map((r) => r.statusCode).sort(), [200, 502, 502], 'one probe went, the others were refused while it ran')
  t.match(probing.find((r) => r.statusCode === 502)?.json(), { message: /a probe is under way/ })
  t.equal(await gets(), 5, 'exactly one probe upstream')

  // closed again by the probe's success
  t.equal((await app.inject({ url: '/ready' })).statusCode, 200)
  const after = await app.inject({ method: 'POST', url: '/api/batch/listings', payload: { ids: [4, 5, 6] } })
  t.equal((after.json() as BatchBody).success_count, 3)
})

t.test('a failed probe opens it again for BREAKER_OPEN_MS', async (t) => {
  const { app, sandbox: sb } = await serve(t, { BREAKER_FAILURE_THRESHOLD: '2', BREAKER_OPEN_MS: '500', HOSTAWAY_MAX_RETRIES: '1', HOSTAWAY_RETRY_BASE_MS: '5' })
  const gets = async () => upstreamCount((await sb.stats()).requests.by_route, LISTING_GETS)
  await app.inject({ url: '/api/listings/1' })
  await sb.setFaults({ fail_ids: { reset: [2, 3, 4] } })
  t.match((await app.inject({ url: '/api/listings/2' })).json(), { error_type: 'network_error' })
  t.equal(await gets(), 3)
  t.match((await app.inject({ url: '/api/listings/3' })).json(), { message: /was not sent: .*network error ECONNRESET/ })
  t.equal(await gets(), 3)
  await delay(600)
  const probe = await app.inject({ url: '/api/listings/4' })
  t.equal(probe.statusCode, 502, 'the probe failed')
  t.equal(await gets(), 4, 'one attempt: the probe is not retried once it opened the breaker')
  const refused = await app.inject({ url: '/api/listings/5' })
  t.match(refused.json(), { message: /was not sent/ }, 'open again')
  t.equal(await gets(), 4)
})

t.test('failures further apart than BREAKER_WINDOW_MS do not open it', async (t) => {
  const { app, sandbox: sb } = await serve(t, { BREAKER_FAILURE_THRESHOLD: '2', BREAKER_WINDOW_MS: '1000', HOSTAWAY_MAX_RETRIES: '0', CACHE_TTL_MS: '0' })
  const gets = async () => upstreamCount((await sb.stats()).requests.by_route, LISTING_GETS)
  await sb.setFaults({ fail_ids: { 500: [2] } })
  t.equal((await app.inject({ url: '/api/listings/2' })).statusCode, 502)
  await delay(1500)
  t.equal((await app.inject({ url: '/api/listings/2' })).statusCode, 502)
  t.equal((await app.inject({ url: '/api/listings/1' })).statusCode, 200, 'still closed: the first failure left the window')
  t.equal(await gets(), 3)
  t.equal((await app.inject({ url: '/api/listings/2' })).statusCode, 502)
  t.equal((await app.inject({ url: '/api/listings/2' })).statusCode, 502)
  t.match((await app.inject({ url: '/api/listings/1' })).json(), { message: /was not sent: Hostaway is failing/ }, 'two in a row within the window: open')
  t.equal(await gets(), 5)
})

t.test('defaults, upstream refusing connections: batches end in seconds, then fail fast; /ready says why', async (t) => {
  const closed = createServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
  const { port } = closed.address() as AddressInfo
  await new Promise((resolve) => closed.close(resolve))
  // default breaker (10 in a row within 30 s, open 10 s), default retries and backoff
  const { app } = await serve(t, { HOSTAWAY_BASE_URL: `http://127.0.0.1:${port}/v1`, HOSTAWAY_RETRY_BASE_MS: '200' })
  const ids = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
  const batch = async () => {
    const started = performance.now()
    const res = await app.inject({ method: 'POST', url: '/api/batch/listings', payload: { ids } })
    return { body: res.json() as BatchBody, ms: Math.round(performance.now() - started) }
  }
  const first = await batch()
  t.equal(everyItemOnce(first.body, ids), undefined)
  t.equal(first.body.failure_count, 10)
  t.ok(first.body.failed.every((i) => i.error_type === 'network_error' && i.retryable), 'connection refused, retryable')
  const second = await batch()
  const third = await batch()
  t.ok(third.body.failed.every((i) => i.error_type === 'upstream_error' && i.attempts === 0 && (i.retry_after_ms ?? 0) > 0), 'refused by the open breaker')
  const ready = await app.inject({ url: '/ready' })
  t.equal(ready.statusCode, 503)
  t.match(ready.json(), { message: /network error ECONNREFUSED\); circuit breaker open/ })
  t.ok(first.ms + second.ms < 20_000, 'seconds, not the batch deadline')
  t.comment(`refused connections: 10-id batches took ${first.ms} ms and ${second.ms} ms, then ${third.ms} ms with the breaker open`)
})
