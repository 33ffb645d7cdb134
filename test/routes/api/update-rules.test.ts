import { test } from 'tap'
import { build } from '../../helper.js'

const PATCH = { method: 'PATCH' as const, url: '/api/listings/batch' }

test('per-item rules: a broken item fails alone as validation_error naming the field, never sent; the others are applied', async (t) => {
  const { app, sandbox, logs } = await build(t)
  const before = (await app.inject('/api/listings/3')).json()
  const res = await app.inject({
    ...PATCH,
    payload: {
      updates: [
        { listing_id: 1, price: 150 },
        { listing_id: 2, minNights: 30, maxNights: 2 },
        { listing_id: 3, price: 99_999_999 },
        { listing_id: 4, name: 'Renamed' },
        { listing_id: 5, name: '  ' }
      ]
    }
  })
  t.equal(res.statusCode, 200, 'the batch ran')
  const body = res.json()
  t.match(body, { total_count: 5, success_count: 2, failure_count: 3, partial_success: true })
  t.same(body.successful.map((r: { index: number }) => r.index), [0, 3])
  t.same(body.failed.map((r: { index: number, operation_id: string, error: string }) => [r.index, r.operation_id, r.error]), [
    [1, '2', 'updates/1/maxNights must be >= minNights'],
    [2, '3', 'updates/2/price must be <= 1000000'],
    [4, '5', 'updates/4/name must not be blank']
  ])
  for (const failed of body.failed) {
    t.match(failed, { success: false, data: null, error_type: 'validation_error', status_code: 400, retryable: false, attempts: 0, remediation: /Fix the item/ })
  }
  t.equal((await sandbox.stats()).writes, 2, 'only the two valid items were written upstream')
  t.equal((await app.inject('/api/listings/3')).json().price, before.price, 'the refused price never reached Hostaway')
  // never sent: one line for the request, however many items (a line per item would let a client fill the log)
  t.equal(logs.entries().filter((e) => e.msg === 'batch item failed').length, 0, 'no line per refused item')
  const logged = logs.entries().filter((e) => e.msg === 'batch items not sent')
  t.equal(logged.length, 1, 'one line for the refused items')
  t.match(logged[0], { level: 40, request_id: res.headers['x-request-id'], count: 3, error_types: { validation_error: 3 }, first: { index: 1, operation_id: '2', error: 'updates/1/maxNights must be >= minNights' } })
})

test('per-item rules: a batch whose every item breaks a rule is still 200, with nothing sent', async (t) => {
  const { app, sandbox } = await build(t)
  const res = await app.inject({ ...PATCH, payload: { updates: [{ listing_id: 1, cleaningFee: -5 }, { listing_id: 2, personCapacity: 0 }] } })
  t.equal(res.statusCode, 200)
  t.match(res.json(), { success_count: 0, failure_count: 2, has_successes: false })
  t.same(res.json().failed.map((r: { error: string }) => r.error), ['updates/0/cleaningFee must be >= 0', 'updates/1/personCapacity must be >= 1'])
  t.equal((await sandbox.stats()).writes, 0)
})

test('per-item rules: a refused item stays validation_error when the deadline ends the others, and replays as it was', async (t) => {
  const { app, sandbox } = await build(t, { HOSTAWAY_TIMEOUT_MS: '5000' })
  await sandbox.setFaults({ fail_ids: { hang: [6] } })
  const payload = { updates: [{ listing_id: 6, price: 5 }, { listing_id: 7, minNights: 9, maxNights: 8 }], timeout_ms: 300 }
  const headers = { 'idempotency-key': 'rules-1' }
  const res = await app.inject({ ...PATCH, headers, payload })
  t.equal(res.statusCode, 200)
  t.same(res.json().failed.map((r: { error_type: string }) => r.error_type), ['outcome_unknown', 'validation_error'])
  const replay = await app.inject({ ...PATCH, headers, payload })
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.same(replay.json(), res.json())
})

test('types are still checked for the whole request: a wrong type is a 400 before any item runs', async (t) => {
  const { app, sandbox } = await build(t)
  for (const update of [{ listing_id: 1, price: '12' }, { listing_id: 1, minNights: 2.5 }, { listing_id: 1, name: 7 }]) {
    const res = await app.inject({ ...PATCH, payload: { updates: [{ listing_id: 2, price: 10 }, update] } })
    t.equal(res.statusCode, 400, JSON.stringify(update))
    t.match(res.json().message, /^body\/updates\/1\//)
  }
  t.equal((await sandbox.stats()).writes, 0)
})
