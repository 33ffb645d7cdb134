import { test } from 'tap'
import fc from 'fast-check'
import { build } from '../../helper.js'

const FAST = { HOSTAWAY_MAX_RETRIES: '1', HOSTAWAY_RETRY_BASE_MS: '5' }
/** The per-id path (no list pages): `fail_ids` faults hit only GET /listings/:id, which a planned batch may not call. */
const PER_ID = { BATCH_PLANNER: 'off' }

test('the original real-world scenario: ids [1, 2, 999999, 4] → 3 successes, 1 not_found', async (t) => {
  const { app, logs } = await build(t)
  const res = await app.inject({ method: 'POST', url: '/api/batch/listings', payload: { ids: [1, 2, 999999, 4] } })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.equal(body.total_count, 4)
  t.equal(body.success_count, 3)
  t.equal(body.failure_count, 1)
  t.equal(body.partial_success, true)
  t.equal(body.has_failures, true)
  t.equal(body.has_successes, true)
  t.same(body.successful.map((s: { operation_id: string }) => s.operation_id), ['1', '2', '4'])
  t.same(body.successful.map((s: { index: number }) => s.index), [0, 1, 3])
  t.equal(body.successful[0].data.id, 1)
  t.type(body.successful[0].data.name, 'string')
  t.match(body.failed[0], {
    operation_id: '999999',
    index: 2,
    success: false,
    data: null,
    error_type: 'not_found',
    status_code: 404,
    retryable: false,
    attempts: 1
  })
  t.type(body.failed[0].remediation, 'string')
  const warning = logs.entries().find((e) => e.msg === 'batch item failed' && e.operation_id === '999999')
  t.match(warning, { level: 40, operation_id: '999999', error_type: 'not_found', request_id: res.headers['x-request-id'] }, 'each failure logged at warn with the request id')
})

test('bookings batch: all success, all failed, order preserved', async (t) => {
  const { app } = await build(t)
  const ok = await app.inject({ method: 'POST', url: '/api/batch/bookings', payload: { ids: [3, 1, 2] } })
  t.equal(ok.statusCode, 200)
  t.same(ok.json().successful.map((s: { data: { id: number } }) => s.data.id), [3, 1, 2])
  t.type(ok.json().successful[0].data.listingMapId, 'number')
  t.equal(ok.json().has_failures, false)

  const ko = await app.inject({ method: 'POST', url: '/api/batch/bookings', payload: { ids: [999998, 999999] } })
  t.equal(ko.statusCode, 200, 'a batch that ran is 200 even when every item failed')
  t.equal(ko.json().success_count, 0)
  t.equal(ko.json().failure_count, 2)
  t.equal(ko.json().partial_success, false)
})

test('duplicate ids share one upstream call but keep their positions', async (t) => {
  const { app, sandbox } = await build(t, { CACHE_TTL_MS: '0' })
  const before = (await sandbox.stats()).requests.by_route['GET /v1/listings/:id'] ?? 0
  const res = await app.inject({ method: 'POST', url: '/api/batch/listings', payload: { ids: [5, 5, 6, 5] } })
  const body = res.json()
  t.equal(body.success_count, 4)
  t.same(body.successful.map((s: { index: number }) => s.index), [0, 1, 2, 3])
  const after = (await sandbox.stats()).requests.by_route['GET /v1/listings/:id']
  t.equal(after - before, 2, 'two distinct ids → two upstream calls')
})

test('fault-injected ids carry the right error_type, retryable and attempts', async (t) => {
  const { app, sandbox } = await build(t, { ...FAST, ...PER_ID, HOSTAWAY_TIMEOUT_MS: '300' })
  await sandbox.setFaults({ fail_ids: { 500: [7], reset: [8], hang: [9] } })
  const res = await app.inject({ method: 'POST', url: '/api/batch/listings', payload: { ids: [1, 7, 8, 9] } })
  const body = res.json()
  t.equal(body.success_count, 1)
  const byId = Object.fromEntries(body.failed.map((f: { operation_id: string }) => [f.operation_id, f]))
  t.match(byId['7'], { error_type: 'upstream_error', status_code: 502, retryable: true, attempts: 2 })
  t.match(byId['8'], { error_type: 'network_error', retryable: true, attempts: 2 })
  t.match(byId['9'], { error_type: 'timeout', retryable: true, attempts: 2 })
})

test('a deadline shorter than the rate-limit queue yields unprocessed items that a second call completes', async (t) => {
  // 4 upstream slots per 2 s window (the token taken first): 12 uncached ids cannot all be sent
  // within 1 s; the 4 sent have that second to answer, even on a loaded machine
  const { app } = await build(t, { ...PER_ID, HOSTAWAY_RATE_LIMIT_IP: '6', HOSTAWAY_RATE_LIMIT_ACCOUNT: '6', HOSTAWAY_RATE_WINDOW_MS: '2000', HOSTAWAY_TOKEN_SETTLE_MS: '0' })
  t.equal((await app.inject({ url: '/ready' })).statusCode, 200)
  const ids = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]
  const first = await app.inject({ method: 'POST', url: '/api/batch/listings', payload: { ids, timeout_ms: 1000 } })
  const body = first.json()
  t.equal(body.total_count, 12)
  t.ok(body.success_count >= 1, 'some items made it')
  const unprocessed = body.failed.filter((f: { error_type: string }) => f.error_type === 'unprocessed')
  t.ok(unprocessed.length >= 1, 'some items were never sent')
  t.equal(unprocessed.length, body.failure_count, 'every failure is unprocessed')
  for (const f of unprocessed) t.match(f, { retryable: true, attempts: 0 })

  const again = unprocessed.map((f: { operation_id: string }) => Number(f.operation_id))
  const second = await app.inject({ method: 'POST', url: '/api/batch/listings', payload: { ids: again, timeout_ms: 10_000 } })
  t.equal(second.json().success_count, again.length, 'resending only the unprocessed ids completes them')
})

test('request-level problems are 4xx with the error schema naming the field', async (t) => {
  const { app } = await build(t, { BATCH_MAX_ITEMS: '5', BODY_LIMIT_BYTES: '2048' })
  const cases: Array<[unknown, number, RegExp]> = [
    [{ ids: [] }, 400, /body\/ids must NOT have fewer than 1 items/],
    [{ ids: [1, 2, 3, 4, 5, 6] }, 400, /body\/ids has more than 5 items, the most one request takes: split the batch into requests of at most 5/],
    [{ ids: [1.5] }, 400, /body\/ids\/0 must be integer/],
    [{ ids: [0] }, 400, /body\/ids\/0 must be >= 1/],
    [{ ids: [-3] }, 400, /body\/ids\/0 must be >= 1/],
    [{ ids: 'one' }, 400, /body\/ids must be array/],
    [{ ids: ['5'] }, 400, /body\/ids\/0 must be integer/],
    [{ ids: [true] }, 400, /body\/ids\/0 must be integer/],
    [{ ids: [1], extra: 1 }, 400, /body\/extra is not an allowed field/],
    [{ ids: [1], timeout_ms: 0 }, 400, /body\/timeout_ms must be >= 1/],
    [{}, 400, /body\/ids is required/]
  ]
  for (const [payload, status, re] of cases) {
    const res = await app.inject({ method: 'POST', url: '/api/batch/listings', payload: payload as object })
    t.equal(res.statusCode, status, JSON.stringify(payload))
    t.match(res.json(), { statusCode: status, error_type: 'validation_error' })
    t.match(res.json().message, re)
  }
  const malformed = await app.inject({ method: 'POST', url: '/api/batch/bookings', headers: { 'content-type': 'application/json' }, payload: '{"ids":[1,' })
  t.equal(malformed.statusCode, 400)
  t.match(malformed.json(), { statusCode: 400, error: 'Bad Request' })

  const huge = await app.inject({ method: 'POST', url: '/api/batch/listings', payload: { ids: [1], pad: 'x'.repeat(5000) } })
  t.equal(huge.statusCode, 413)
  t.match(huge.json(), { statusCode: 413, error: 'Payload Too Large' })

  const text = await app.inject({ method: 'POST', url: '/api/batch/listings', headers: { 'content-type': 'application/xml' }, payload: '<ids>1</ids>' })
  t.equal(text.statusCode, 415)
  t.match(text.json(), { statusCode: 415 })
})

test('batch update: per-item outcomes, duplicate listing ids are 400', async (t) => {
  const { app, sandbox } = await build(t)
  const res = await app.inject({
    method: 'PATCH',
    url: '/api/listings/batch',
    payload: { updates: [{ listing_id: 1, price: 199.5 }, { listing_id: 999999, price: 10 }, { listing_id: 2, name: 'Renamed loft' }] }
  })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.equal(body.success_count, 2)
  t.equal(body.successful[0].data.price, 199.5)
  t.equal(body.successful[1].data.name, 'Renamed loft')
  t.match(body.failed[0], { operation_id: '999999', error_type: 'not_found' })

  const read = await app.inject({ method: 'POST', url: '/api/batch/listings', payload: { ids: [1] } })
  t.equal(read.json().successful[0].data.price, 199.5, 'the update invalidated the cached listing')
  t.equal((await sandbox.stats()).writes, 2)

  const dup = await app.inject({ method: 'PATCH', url: '/api/listings/batch', payload: { updates: [{ listing_id: 3, price: 1 }, { listing_id: 3, price: 2 }] } })
  t.equal(dup.statusCode, 400)
  t.match(dup.json().message, /body\/updates\/1\/listing_id repeats body\/updates\/0\/listing_id/)

  const noField = await app.inject({ method: 'PATCH', url: '/api/listings/batch', payload: { updates: [{ listing_id: 3 }] } })
  t.equal(noField.statusCode, 400)
  t.match(noField.json().message, /body\/updates\/0/)

  const unknownField = await app.inject({ method: 'PATCH', url: '/api/listings/batch', payload: { updates: [{ listing_id: 3, colour: 'red' }] } })
  t.equal(unknownField.statusCode, 400)
  t.match(unknownField.json().message, /body\/updates\/0\/colour is not an allowed field/)
})

test('Idempotency-Key: replay without upstream writes, 422 on another body, 409 while running', async (t) => {
  const { app, sandbox } = await build(t)
  const payload = { updates: [{ listing_id: 4, price: 111 }, { listing_id: 5, price: 222 }] }
  const headers = { 'idempotency-key': 'key-1' }
  const first = await app.inject({ method: 'PATCH', url: '/api/listings/batch', headers, payload })
  t.equal(first.statusCode, 200)
  const writes = (await sandbox.stats()).writes
  t.equal(writes, 2)

  const replay = await app.inject({ method: 'PATCH', url: '/api/listings/batch', headers, payload: { updates: [{ price: 111, listing_id: 4 }, { listing_id: 5, price: 222 }] } })
  t.equal(replay.statusCode, 200)
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.same(replay.json(), first.json(), 'the stored response is replayed')
  t.equal((await sandbox.stats()).writes, writes, 'zero upstream writes on replay')

  const other = await app.inject({ method: 'PATCH', url: '/api/listings/batch', headers, payload: { updates: [{ listing_id: 4, price: 1 }] } })
  t.equal(other.statusCode, 422)
  t.match(other.json(), { statusCode: 422, error_type: 'validation_error' })

  await sandbox.setFaults({ latency_ms: { min: 300, max: 300 } })
  const slow = app.inject({ method: 'PATCH', url: '/api/listings/batch', headers: { 'idempotency-key': 'key-2' }, payload })
  await new Promise((resolve) => setTimeout(resolve, 100))
  const concurrent = await app.inject({ method: 'PATCH', url: '/api/listings/batch', headers: { 'idempotency-key': 'key-2' }, payload })
  t.equal(concurrent.statusCode, 409)
  t.match(concurrent.json(), { error_type: 'conflict' })
  t.equal((await slow).statusCode, 200)

  const badKey = await app.inject({ method: 'PATCH', url: '/api/listings/batch', headers: { 'idempotency-key': 'x'.repeat(300) }, payload })
  t.equal(badKey.statusCode, 400)
  t.match(badKey.json().message, /idempotency-key/)
})

test('a write with no answer by the deadline is outcome_unknown, never a plain failure', async (t) => {
  const { app, sandbox } = await build(t, { HOSTAWAY_TIMEOUT_MS: '5000' })
  await sandbox.setFaults({ fail_ids: { hang: [6] } })
  // the token first, so that both writes are sent at once; the deadline leaves listing 7's write time to answer
  t.equal((await app.inject({ url: '/ready' })).statusCode, 200)
  const res = await app.inject({ method: 'PATCH', url: '/api/listings/batch', payload: { updates: [{ listing_id: 6, price: 5 }, { listing_id: 7, price: 6 }], timeout_ms: 1500 } })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.equal(body.success_count, 1)
  t.match(body.failed[0], { operation_id: '6', error_type: 'outcome_unknown', retryable: true, attempts: 1 })
})

test('property: under random sandbox faults every id appears exactly once, in request order, counts consistent', async (t) => {
  // faults change between runs (an id may 404, then not): nothing remembered, not even 404s
  const { app, sandbox } = await build(t, { ...PER_ID, CACHE_TTL_MS: '0', NEGATIVE_CACHE_TTL_MS: '0', HOSTAWAY_MAX_RETRIES: '0', HOSTAWAY_TIMEOUT_MS: '300', HOSTAWAY_TOKEN_SETTLE_MS: '0' })
  const modes = ['404', '500', '503', 'reset', 'fail_200', 'hang'] as const
  await fc.assert(fc.asyncProperty(
    fc.array(fc.integer({ min: 1, max: 45 }), { minLength: 1, maxLength: 6 }),
    fc.array(fc.tuple(fc.constantFrom(...modes), fc.integer({ min: 1, max: 45 })), { maxLength: 4 }),
    async (ids, faults) => {
      const failIds: Record<string, number[]> = {}
      for (const [mode, id] of faults) (failIds[mode] ??= []).push(id)
      await sandbox.setFaults({ fail_ids: failIds })
      const res = await app.inject({ method: 'POST', url: '/api/batch/listings', payload: { ids, timeout_ms: 5000 } })
      if (res.statusCode !== 200) return false
      const body = res.json()
      const all = [...body.successful, ...body.failed] as Array<{ index: number, operation_id: string, success: boolean, error_type: string | null }>
      const indexes = all.map((x) => x.index).sort((a, b) => a - b)
      if (JSON.stringify(indexes) !== JSON.stringify(ids.map((_, i) => i))) return false
      for (const list of [body.successful, body.failed] as Array<Array<{ index: number }>>) {
        if (!list.every((x, i) => i === 0 || list[i - 1].index < x.index)) return false
      }
      if (body.total_count !== ids.length || body.success_count + body.failure_count !== ids.length) return false
      if (body.partial_success !== (body.success_count > 0 && body.failure_count > 0)) return false
      // ids above 40 do not exist; ids without a fault always succeed
      const faulted = new Set(faults.map(([, id]) => id))
      return all.every((x) => x.operation_id === String(ids[x.index]) &&
        (x.success || faulted.has(ids[x.index]) || ids[x.index] > 40) &&
        (!x.success || (!faulted.has(ids[x.index]) && ids[x.index] <= 40)))
    }
  ), { numRuns: 12 })
  t.pass('property held for 12 random batches under random faults')
})
