import t from 'tap'
import { everyItemOnce, serve, until, upstreamCount, type BatchBody } from '../reliability/helper.js'
import { redisSkip, startRedis } from './server.js'
import { parseMetrics, total } from '../fixtures/prometheus.js'

// Redis stopped, or frozen, under load: requests that need the shared budget fail fast with the
// documented 503 (batch items each reported `unprocessed`), /ready says so, nothing is sent without
// the budget (no 429), and the gateway recovers by itself when Redis is back.

const env = (url: string) => ({
  REDIS_URL: url,
  REDIS_TIMEOUT_MS: '800',
  BATCH_PLANNER: 'off',
  CACHE_TTL_MS: '0',
  // the sandbox shares this test's event loop: a stall bunches its arrivals
  HOSTAWAY_RATE_WINDOW_MARGIN_MS: '250'
})

/** The samples of the gateway's /metrics. */
async function metrics (url: string) {
  return parseMetrics(await (await fetch(`${url}/metrics`)).text()).samples
}

async function send (url: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}${path}`, { method, headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
  return { status: res.status, headers: res.headers, body: await res.json() as Record<string, unknown> }
}

t.test('Redis stopped mid-batch: the rest of the batch is unprocessed, every route answers 503 at once, recovery when it returns', { skip: redisSkip }, async (t) => {
  const redis = await startRedis(t)
  const { url, sandbox: sb, logs } = await serve(t, env(redis.url), { rateWindowMs: 1000 })
  t.equal((await send(url, 'GET', '/ready')).status, 200, 'ready: Redis answers, a token was had')

  const ids = Array.from({ length: 40 }, (_, i) => i + 1)
  const batch = send(url, 'POST', '/api/batch/listings', { ids })
  await until(async () => upstreamCount((await sb.stats()).requests.by_route, /^GET \/v1\/listings\/:/) >= 10, 20_000, 'the batch under way')
  await redis.stop()

  const { status, body } = await batch
  t.equal(status, 200, 'the batch still answers')
  const result = body as unknown as BatchBody
  t.equal(everyItemOnce(result, ids), undefined, 'every item exactly once, in order')
  t.ok(result.success_count >= 10 && result.success_count < 40, `${result.success_count} fetched before Redis went away`)
  t.ok(result.failed.length > 0, 'the others failed')
  for (const item of result.failed) {
    t.match(item, { error_type: 'unprocessed', retryable: true, retry_after_ms: 1000, attempts: 0 }, `item ${item.index}: never sent, resend it`)
  }
  t.match((result.failed[0] as unknown as { error: string }).error, /Redis at .* is unavailable/)

  const ready = await send(url, 'GET', '/ready')
  t.equal(ready.status, 503, '/ready: 503')
  t.match(ready.body, { error_type: 'unprocessed', message: /^Not ready: Not sent: the shared state \(Redis at .*\) is unavailable/ })
  t.equal(ready.headers.get('retry-after'), '1')
  const single = await send(url, 'GET', '/api/listings/5')
  t.equal(single.status, 503, 'a single read: 503')
  t.match(single.body, { error_type: 'unprocessed', statusCode: 503, request_id: single.headers.get('x-request-id') })
  t.equal(single.headers.get('retry-after'), '1')
  const keyed = await send(url, 'PATCH', '/api/listings/batch', { updates: [{ listing_id: 1, price: 5 }] }, { 'idempotency-key': 'while-down' })
  t.equal(keyed.status, 503, 'an update with an Idempotency-Key is refused as a whole (the key cannot be claimed)')
  t.equal(keyed.body.error_type, 'unprocessed')
  const unkeyed = await send(url, 'PATCH', '/api/listings/batch', { updates: [{ listing_id: 1, price: 5 }] })
  t.match(unkeyed.body, { success_count: 0, failed: [{ error_type: 'unprocessed', attempts: 0 }] }, 'without a key: the item is reported unprocessed')
  t.equal((await sb.stats()).writes, 0, 'nothing was written')
  const down = await metrics(url)
  t.equal(total(down, 'hostaway_redis_up'), 0, 'metrics: Redis down')
  t.equal(total(down, 'hostaway_redis_errors_total', { kind: 'connection' }), 1, 'metrics: the connection lost, once')
  t.ok(total(down, 'hostaway_redis_errors_total', { kind: 'unavailable' }) >= 3, 'metrics: the commands refused while it was down')

  await redis.start()
  await until(async () => (await send(url, 'GET', '/ready')).status === 200, 15_000, 'ready again')
  const again = await send(url, 'POST', '/api/batch/listings', { ids: [1, 2, 3] })
  t.equal(again.body.success_count, 3, 'recovered by itself')
  t.equal((await sb.stats()).rate_limited, 0, 'no upstream 429 at any point')
  t.equal(total(await metrics(url), 'hostaway_redis_up'), 1, 'metrics: Redis up again')
  t.ok(logs.entries().some((l) => l.msg === 'redis connection lost') && logs.entries().some((l) => l.msg === 'redis available again'), 'the outage logged once, and its end')
})

t.test('a frozen Redis: commands time out after REDIS_TIMEOUT_MS, then fail fast until it answers again', { skip: redisSkip }, async (t) => {
  const redis = await startRedis(t)
  const { url } = await serve(t, env(redis.url), { rateWindowMs: 1000 })
  t.equal((await send(url, 'GET', '/api/listings/1')).status, 200)
  redis.pause()
  const first = await send(url, 'GET', '/api/listings/2')
  t.equal(first.status, 503)
  t.match(first.body.message, /no answer within 800 ms/, 'the configured timeout')
  t.ok(total(await metrics(url), 'hostaway_redis_errors_total', { kind: 'timeout' }) >= 1, 'metrics: the command that timed out')
  const next = await send(url, 'GET', '/ready')
  t.equal(next.status, 503, 'then /ready: 503 without waiting for the frozen connection')
  redis.resume()
  await until(async () => (await send(url, 'GET', '/ready')).status === 200, 15_000, 'ready again')
  t.equal((await send(url, 'GET', '/api/listings/2')).status, 200)
})
