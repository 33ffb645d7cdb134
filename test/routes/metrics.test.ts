import { test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { keyId } from '../../services/auth.js'
import { build } from '../helper.js'
import { familyOf, parseMetrics, total } from '../fixtures/prometheus.js'

async function scrape (app: FastifyInstance, headers: Record<string, string> = {}) {
  const res = await app.inject({ url: '/metrics', headers })
  return { res, ...parseMetrics(res.body) }
}

test('after the original scenario ([1, 2, 999999, 4]) the item counters show 3 successes and one not_found', async (t) => {
  const { app } = await build(t)
  const res = await app.inject({ method: 'POST', url: '/api/batch/listings', payload: { ids: [1, 2, 999999, 4] } })
  t.equal(res.json().success_count, 3)
  const { res: scraped, samples, types } = await scrape(app)
  t.equal(scraped.statusCode, 200)
  t.match(scraped.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  t.equal(total(samples, 'hostaway_batch_items_total', { operation: 'batchGetListings', error_type: 'none' }), 3)
  t.equal(total(samples, 'hostaway_batch_items_total', { operation: 'batchGetListings', error_type: 'not_found' }), 1)
  t.equal(total(samples, 'hostaway_batch_items_total', { operation: 'batchGetListings' }), 4, 'nothing else')
  t.equal(total(samples, 'http_request_duration_seconds_count', { method: 'POST', route: '/api/batch/listings', status_code: '200' }), 1, 'the HTTP request, by its route template')
  t.equal(types.get('http_request_summary_seconds'), undefined, 'no summary')
  t.ok(total(samples, 'http_request_duration_seconds_bucket', { route: '/api/batch/listings', le: '120' }) === 1, 'HTTP buckets reach 120 s')
  // the plan read one list page, which answered 3 ids; 999999 got its own GET (404)
  t.equal(total(samples, 'hostaway_planner_pages_total', { resource: 'listing' }), 1)
  t.equal(total(samples, 'hostaway_planner_calls_saved_total', { resource: 'listing' }), 2)
  t.equal(total(samples, 'hostaway_upstream_requests_total', { endpoint: 'listing', status_class: '4xx', result: 'not_found' }), 1)
  t.equal(total(samples, 'hostaway_upstream_requests_total', { endpoint: 'token', result: 'success' }), 1)
  t.equal(total(samples, 'hostaway_cache_lookups_total', { resource: 'listing', result: 'miss' }), 4)

  await app.inject({ method: 'POST', url: '/api/batch/listings', payload: { ids: [1, 2, 999999, 4] } })
  const again = (await scrape(app)).samples
  t.equal(total(again, 'hostaway_cache_lookups_total', { resource: 'listing', result: 'hit' }), 3, 'the same batch again: 3 hits')
  t.equal(total(again, 'hostaway_cache_lookups_total', { resource: 'listing', result: 'negative_hit' }), 1, 'and the remembered 404')
  t.equal(total(again, 'hostaway_upstream_requests_total', { endpoint: 'listing' }), 1, 'no new upstream read')
  t.equal(total(again, 'hostaway_breaker_state', { state: 'closed' }), 1)
})

test('/metrics needs a key with the metrics scope when API_KEYS is set; open otherwise', async (t) => {
  const { app } = await build(t, { API_KEYS: 'ops-key, reader:read, scraper:metrics' })
  t.equal((await app.inject({ url: '/metrics' })).statusCode, 401)
  t.match((await app.inject({ url: '/metrics', headers: { 'x-api-key': 'wrong' } })).json(), { statusCode: 401, error_type: 'unauthorized' })
  t.match((await app.inject({ url: '/metrics', headers: { 'x-api-key': 'reader' } })).json(), { statusCode: 403, error_type: 'forbidden', message: /"metrics" scope/ },
    'a data key without the scope: 403')
  t.equal((await app.inject({ url: '/metrics', headers: { 'x-api-key': 'scraper' } })).statusCode, 200)
  t.equal((await app.inject({ url: '/metrics', headers: { authorization: 'Bearer scraper' } })).statusCode, 200, 'as Prometheus sends it: a bearer token')
  t.equal((await app.inject({ url: '/metrics', headers: { 'x-api-key': 'ops-key' } })).statusCode, 200, 'a key with every scope')
  t.equal((await app.inject({ url: '/api/listings/1', headers: { 'x-api-key': 'scraper' } })).statusCode, 403, 'the scraper cannot read data')

  const { app: open } = await build(t)
  t.equal((await open.inject({ url: '/metrics' })).statusCode, 200, 'API_KEYS unset: open')
})

test('limiter waits are counted under a rate-limited batch', async (t) => {
  // 4 upstream slots per 1 s window: of 12 uncached ids sent together, 8 wait for a later window
  const { app } = await build(t, { HOSTAWAY_RATE_LIMIT_IP: '5', HOSTAWAY_RATE_LIMIT_ACCOUNT: '5', BATCH_PLANNER: 'off', CACHE_TTL_MS: '0', BATCH_CONCURRENCY: '12' })
  await app.inject({ url: '/ready' })
  const ids = Array.from({ length: 12 }, (_, i) => i + 1)
  const res = await app.inject({ method: 'POST', url: '/api/batch/listings', payload: { ids, timeout_ms: 20_000 } })
  t.equal(res.json().success_count, 12)
  const { samples } = await scrape(app)
  t.equal(total(samples, 'hostaway_limiter_wait_seconds_count', { lane: 'batch' }), 12, 'every item waited (or not) for a slot')
  const waitedLong = total(samples, 'hostaway_limiter_wait_seconds_count', { lane: 'batch' }) - total(samples, 'hostaway_limiter_wait_seconds_bucket', { lane: 'batch', le: '0.25' })
  t.ok(waitedLong >= 4, `${waitedLong} items waited more than 250 ms for a later window`)
  t.ok(total(samples, 'hostaway_limiter_wait_seconds_sum', { lane: 'batch' }) > 1, 'the waits add up to more than a second')
  t.equal(total(samples, 'hostaway_budget_slots'), 4, 'the budget: 4 slots per window')
  t.equal(total(samples, 'hostaway_limiter_queue_depth'), 0, 'nobody waits any more')
  t.equal(total(samples, 'hostaway_upstream_requests_total', { result: 'rate_limit' }), 0, 'no upstream 429')
})

test('no label carries an unbounded value: many ids, keys and paths give the same few label values', async (t) => {
  const keys = ['cardinality-key-a', 'cardinality-key-b']
  const { app } = await build(t, { API_KEYS: keys.join(','), HOSTAWAY_RATE_WINDOW_MS: '100', HOSTAWAY_RATE_WINDOW_MARGIN_MS: '20', HOSTAWAY_RATE_LIMIT_IP: '200', HOSTAWAY_RATE_LIMIT_ACCOUNT: '200' }, { rateWindowMs: 100 })
  const ids = Array.from({ length: 60 }, (_, i) => i % 3 === 0 ? 1 + (i % 40) : 100_000 + i * 7919)
  const send = (key: string, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) => app.inject({ method, url, headers: { 'x-api-key': key }, ...(payload === undefined ? {} : { payload }) })
  for (const [n, key] of keys.entries()) {
    await send(key, 'POST', '/api/batch/listings', { ids: ids.slice(n * 30, n * 30 + 30) })
    await send(key, 'POST', '/api/batch/bookings', { ids: ids.slice(n * 30, n * 30 + 30) })
    await send(key, 'PATCH', '/api/listings/batch', { updates: ids.slice(n * 5, n * 5 + 5).map((id) => ({ listing_id: id, price: 10 })) })
    for (const id of ids.slice(n * 10, n * 10 + 10)) {
      await send(key, 'GET', `/api/listings/${id}`)
      await send(key, 'GET', `/api/bookings/${id}/messages`)
      await send(key, 'GET', `/api/nothing/${id}`)
      await app.inject({ url: `/unknown-${id}` })
    }
  }
  const { samples, types } = await scrape(app, { 'x-api-key': keys[0] })
  const values = new Map<string, Set<string>>()
  const offending: string[] = []
  for (const sample of samples) {
    for (const [label, value] of Object.entries(sample.labels)) {
      const key = `${familyOf(sample.name, types)} ${label}`
      values.set(key, (values.get(key) ?? new Set()).add(value))
      // status codes and bucket bounds have at most 3 digits in a row; the ids sent have 1-2 or 6
      if (/\d{4,}/.test(value) || ids.some((id) => id > 40 && value.includes(String(id)))) offending.push(`${key}="${value}" (an id)`)
      if ([...keys, ...keys.map(keyId)].some((secret) => value.includes(secret))) offending.push(`${key}="${value}" (a key)`)
    }
  }
  t.ok(samples.length > 300, `${samples.length} samples`)
  t.same(offending, [], 'no label value carries an id, a key or a key id')
  const widest = [...values].sort((a, b) => b[1].size - a[1].size)[0]
  t.ok(widest[1].size <= 16, `the widest label, ${widest[0]}, has ${widest[1].size} values (a histogram's le: 15 bounds and +Inf)`)
  t.same([...(values.get('http_request_duration_seconds route') ?? [])].sort(), [
    '/api/batch/bookings', '/api/batch/listings', '/api/bookings/:bookingId/messages', '/api/listings/:listingId', '/api/listings/batch', '__unknown__'
  ], 'routes are templates; unknown paths are one value')
})

test('each app has its own registry: two apps in one process count apart', async (t) => {
  const { app: a } = await build(t)
  const { app: b } = await build(t)
  await a.inject({ method: 'POST', url: '/api/batch/listings', payload: { ids: [1, 2] } })
  t.equal(total((await scrape(a)).samples, 'hostaway_batch_items_total', { error_type: 'none' }), 2)
  t.equal(total((await scrape(b)).samples, 'hostaway_batch_items_total', { error_type: 'none' }), 0)
})
