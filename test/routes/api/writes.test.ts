import { test } from 'tap'
import { Value } from '@sinclair/typebox/value'
import { WriteAuditEntrySchema } from '../../../schemas/audit.js'
import { build } from '../../helper.js'

/**
 * The #23 writes over real HTTP against the sandbox (the gateway's upstream calls are real requests;
 * the client side is app.inject): calendar ranges, guest messages, reservation updates,
 * availability search, dry runs.
 */

const CAL = { method: 'PATCH' as const, url: '/api/calendar/batch' }
const MSG = { method: 'POST' as const, url: '/api/batch/messages' }
const BOOK = { method: 'PATCH' as const, url: '/api/bookings/batch' }

interface Item { index: number, operation_id: string, error: string | null, error_type: string | null, attempts: number, remediation: string | null, retryable: boolean, data: Record<string, unknown> | null }

const byRoute = async (sb: { stats: () => Promise<{ requests: { by_route: Record<string, number> } }> }, route: string) => (await sb.stats()).requests.by_route[route] ?? 0

test('calendar: ranges of one listing go in one call; overlaps refused naming both indexes; read-after-write shows the new price', async (t) => {
  const { app, sandbox, audit } = await build(t)
  const updates = [
    { listing_id: 1, start_date: '2027-01-15', end_date: '2027-01-17', price: 181 },
    { listing_id: 2, start_date: '2027-01-15', end_date: '2027-01-20', minimum_stay: 2 },
    { listing_id: 1, start_date: '2027-02-01', end_date: '2027-02-03', is_available: false },
    { listing_id: 3, start_date: '2027-03-01', end_date: '2027-03-10', price: 140 },
    { listing_id: 3, start_date: '2027-03-10', end_date: '2027-03-12', price: 150 },
    { listing_id: 4, start_date: '2027-03-01', end_date: '2027-03-02', minimum_stay: 9, maximum_stay: 3 }
  ]
  const res = await app.inject({ ...CAL, payload: { updates } })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.match(body, { total_count: 6, success_count: 3, failure_count: 3, partial_success: true })
  t.same(body.successful.map((r: Item) => r.operation_id), ['1/0', '2/1', '1/2'])
  t.match(body.successful[0].data, { listing_id: 1, days: 3, fields: ['price'], call: { method: 'PUT', path: '/listings/1/calendarIntervals', items: [0, 2] } })
  t.match(body.successful[1].data, { call: { path: '/listings/2/calendar', items: [1] } })
  t.same(body.failed.map((r: Item) => [r.index, r.error_type, r.attempts]), [[3, 'validation_error', 0], [4, 'validation_error', 0], [5, 'validation_error', 0]])
  t.match(body.failed[0].error, /^updates\/3 overlaps updates\/4: listing 3/)
  t.match(body.failed[1].error, /^updates\/4 overlaps updates\/3: listing 3/)
  t.equal(body.failed[2].error, 'updates/5/maximum_stay must be >= minimum_stay')
  t.equal(await byRoute(sandbox, 'PUT /v1/listings/:id/calendarIntervals'), 1, "listing 1's two ranges: one call")
  t.equal(await byRoute(sandbox, 'PUT /v1/listings/:id/calendar'), 1, "listing 2's range: one call; the refused ones: none")

  const days = (await app.inject('/api/listings/1/calendar?start_date=2027-01-15&end_date=2027-01-17')).json().items
  t.same(days.map((d: { price: number }) => d.price), [181, 181, 181], 'read after write: the new price')
  const blocked = (await app.inject('/api/listings/1/calendar?start_date=2027-02-01&end_date=2027-02-03')).json().items
  t.ok(blocked.every((d: { isAvailable: number }) => d.isAvailable === 0), 'the blocked range reads blocked')

  const lines = audit.entries()
  t.equal(lines.length, 6, 'one audit line per range')
  for (const { time: _t, hostname: _h, msg, ...entry } of lines) {
    t.ok(Value.Check(WriteAuditEntrySchema, entry), `audit line ${String(entry.index)} has the documented shape`)
    t.equal(msg, 'calendar update')
  }
  t.match(lines[0], { audit: 'calendar_update', listing_id: 1, start_date: '2027-01-15', fields: ['price'], outcome: 'success' })
  t.notOk(audit.text.includes('181'), 'values are not audited')
})

test('calendar: a coalesced call that fails fails every range it carried, with the same classified error', async (t) => {
  const { app, sandbox } = await build(t, { HOSTAWAY_MAX_RETRIES: '0' })
  await sandbox.setFaults({ fail_ids: { 404: [5] } })
  const res = await app.inject({
    ...CAL,
    payload: {
      updates: [
        { listing_id: 5, start_date: '2027-01-01', end_date: '2027-01-02', price: 99 },
        { listing_id: 6, start_date: '2027-01-01', end_date: '2027-01-02', price: 99 },
        { listing_id: 5, start_date: '2027-01-10', end_date: '2027-01-12', price: 98 }
      ]
    }
  })
  const body = res.json()
  t.match(body, { success_count: 1, failure_count: 2 })
  const [a, b] = body.failed as Item[]
  t.same([a.index, b.index], [0, 2])
  t.equal(a.error_type, 'not_found')
  t.same({ ...a, index: 0, operation_id: '' }, { ...b, index: 0, operation_id: '' }, 'the same error, attempts and remediation for both ranges')
  t.match(a.error, /PUT \/listings\/5\/calendarIntervals/)
})

test('messages: [1, 2, 999999, 4] → 2 sent, 2 not_found (2 is an owner stay without a conversation); a replay sends nothing', async (t) => {
  const { app, sandbox, audit } = await build(t)
  const body = 'Hi! Check-in is from 15:00; the door code follows on the day.'
  const payload = { messages: [1, 2, 999999, 4].map((id) => ({ booking_id: id, body })) }
  const headers = { 'idempotency-key': 'msg-1' }
  const res = await app.inject({ ...MSG, headers, payload })
  t.equal(res.statusCode, 200)
  const out = res.json()
  t.match(out, { total_count: 4, success_count: 2, failure_count: 2, partial_success: true })
  t.same(out.successful.map((r: Item) => r.operation_id), ['1', '4'])
  t.match(out.successful[0].data, { booking_id: 1, conversation_id: 1001, status: 'sent', body_length: [...body].length, body_sha256: /^[0-9a-f]{64}$/ })
  t.notOk(JSON.stringify(out).includes(body), 'the answer does not echo the body')
  t.same(out.failed.map((r: Item) => [r.operation_id, r.error_type, r.attempts]), [['2', 'not_found', 0], ['999999', 'not_found', 0]])
  t.match(out.failed[0].error, /booking 2 has no conversation/)
  t.match(out.failed[1].error, /HTTP 404/)
  const stats = await sandbox.stats()
  t.equal(stats.writes_by_kind.message, 2, 'two messages stored upstream')

  const replay = await app.inject({ ...MSG, headers, payload })
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.same(replay.json(), out)
  const after = await sandbox.stats()
  t.equal(after.writes_by_kind.message, 2, 'a replay: 0 new sends')
  t.equal(after.messages_duplicated, 0)

  const other = await app.inject({ ...MSG, headers, payload: { messages: [{ booking_id: 1, body: 'another' }] } })
  t.equal(other.statusCode, 422, 'the same key with another body')

  const lines = audit.entries()
  t.equal(lines.length, 8, 'one line per message, the replay too')
  for (const { time: _t, hostname: _h, msg: _m, ...entry } of lines) t.ok(Value.Check(WriteAuditEntrySchema, entry))
  t.match(lines[0], { audit: 'message_send', booking_id: 1, body_length: [...body].length, body_sha256: out.successful[0].data.body_sha256, outcome: 'success', replayed: false })
  t.match(lines[4], { replayed: true })
  t.notOk(audit.text.includes('Check-in'), 'no body in the audit log')

  const metrics = (await app.inject('/metrics')).body
  t.match(metrics, /hostaway_batch_items_total\{operation="batchSendMessages",error_type="not_found"\} 2/)
  t.match(metrics, /hostaway_batch_items_total\{operation="batchSendMessages",error_type="none"\} 2/)
})

test('messages: Idempotency-Key is required (400 naming it); the messages scope is needed', async (t) => {
  const { app, sandbox } = await build(t, { API_KEYS: 'full, rw:read+write, msg:messages' })
  const payload = { messages: [{ booking_id: 1, body: 'hello' }] }
  const missing = await app.inject({ ...MSG, headers: { 'x-api-key': 'full' }, payload })
  t.equal(missing.statusCode, 400)
  t.match(missing.json(), { error_type: 'validation_error', message: /idempotency-key/i })
  const rw = await app.inject({ ...MSG, headers: { 'x-api-key': 'rw', 'idempotency-key': 'k' }, payload })
  t.equal(rw.statusCode, 403, 'read+write cannot message guests')
  const calendarByMsg = await app.inject({ ...CAL, headers: { 'x-api-key': 'msg' }, payload: { updates: [{ listing_id: 1, start_date: '2027-01-01', end_date: '2027-01-01', price: 1 }] } })
  t.equal(calendarByMsg.statusCode, 403, 'messages is not write')
  const ok = await app.inject({ ...MSG, headers: { 'x-api-key': 'msg', 'idempotency-key': 'k' }, payload })
  t.equal(ok.json().success_count, 1)
  t.equal((await sandbox.stats()).writes_by_kind.message, 1)
})

test('messages: a send stored upstream whose answer hangs → outcome_unknown, attempts 1, exactly one message stored; a resend with the key sends nothing', async (t) => {
  const { app, sandbox } = await build(t, { HOSTAWAY_TIMEOUT_MS: '400' })
  await sandbox.setFaults({ fail_ids: { hang_after_write: [1004] } })
  const headers = { 'idempotency-key': 'hang-1' }
  const payload = { messages: [{ booking_id: 4, body: 'Your check-in code' }, { booking_id: 1, body: 'Your check-in code' }] }
  const res = await app.inject({ ...MSG, headers, payload })
  const out = res.json()
  t.match(out, { success_count: 1, failure_count: 1 })
  const [failed] = out.failed as Item[]
  t.match(failed, { operation_id: '4', error_type: 'outcome_unknown', attempts: 1, retryable: false })
  t.match(failed.remediation, /check conversation 1004 \(GET \/api\/bookings\/4\/messages\) before resending/)
  const stats = await sandbox.stats()
  t.equal(stats.requests.by_route['POST /v1/conversations/:id/messages'], 2, 'one send per message: the hung one was not retried')
  t.equal(stats.writes_by_kind.message, 2, 'the hung message was stored, once')
  t.equal(stats.messages_duplicated, 0)
  await sandbox.setFaults({}) // the fault hangs reads of the conversation too
  const messages = (await app.inject('/api/bookings/4/messages')).json().items
  t.equal(messages.filter((m: { body: string }) => m.body === 'Your check-in code').length, 1, 'exactly one copy in the conversation')

  const again = await app.inject({ ...MSG, headers, payload })
  t.equal(again.headers['idempotent-replayed'], 'true')
  t.equal((await sandbox.stats()).writes_by_kind.message, 2, 'the resend sent nothing')
})

test('messages: a 503 after the send is outcome_unknown, never retried; a 429 is retried (nothing was processed)', async (t) => {
  const { app, sandbox } = await build(t)
  await sandbox.setFaults({ fail_ids_once: { 503: [1001], 429: [1003] } })
  const res = await app.inject({ ...MSG, headers: { 'idempotency-key': 'faults-1' }, payload: { messages: [{ booking_id: 1, body: 'a' }, { booking_id: 3, body: 'b' }] } })
  const out = res.json()
  t.match(out.failed, [{ operation_id: '1', error_type: 'outcome_unknown', attempts: 1, retryable: false }])
  t.match(out.successful, [{ operation_id: '3', attempts: 2 }])
  t.equal((await sandbox.stats()).requests.by_route['POST /v1/conversations/:id/messages'], 3, '1 + 2 sends')
})

test('bookings: read, merge, write; read-after-write; the secret fields survive a caller who cannot see them; a merge rule fails the item', async (t) => {
  const { app, sandbox } = await build(t, { API_KEYS: 'full, rw:read+write' })
  const full = { 'x-api-key': 'full' }
  const before = (await app.inject({ url: '/api/bookings/1', headers: full })).json()
  t.type(before.doorCode, 'string')
  const res = await app.inject({
    ...BOOK,
    headers: { 'x-api-key': 'rw' },
    payload: { updates: [{ booking_id: 1, hostNote: 'Late arrival' }, { booking_id: 3, departureDate: '2000-01-01' }, { booking_id: 999999, hostNote: 'x' }, { booking_id: 5, guestEmail: 'nope' }] }
  })
  const out = res.json()
  t.match(out, { success_count: 1, failure_count: 3 })
  t.equal(out.successful[0].data.hostNote, 'Late arrival')
  t.notOk('doorCode' in out.successful[0].data, 'the answer hides the secret fields from a key without secrets')
  t.same(out.failed.map((r: Item) => [r.operation_id, r.error_type, r.attempts]), [['3', 'validation_error', 1], ['999999', 'not_found', 1], ['5', 'validation_error', 0]])
  t.match(out.failed[0].error, /^updates\/1\/departureDate must be after arrivalDate/)
  t.equal((await sandbox.stats()).writes_by_kind.reservation, 1, 'only the valid merge was written')
  const after = (await app.inject({ url: '/api/bookings/1', headers: full })).json()
  t.equal(after.hostNote, 'Late arrival', 'read after write (the cached copy was forgotten)')
  t.equal(after.doorCode, before.doorCode, 'the door code was written back as it was')

  const dup = await app.inject({ ...BOOK, headers: full, payload: { updates: [{ booking_id: 1, hostNote: 'a' }, { booking_id: 1, hostNote: 'b' }] } })
  t.equal(dup.statusCode, 400)
  t.match(dup.json().message, /updates\/1\/booking_id repeats body\/updates\/0\/booking_id/)
})

test('availability: listings free on every night of the range with room for the guests; a blocked listing leaves the list', async (t) => {
  const { app } = await build(t)
  const url = '/api/listings/available?start_date=2027-05-03&end_date=2027-05-05&guests=2&limit=100'
  const first = (await app.inject(url)).json()
  t.ok(first.items.length > 0, `${first.items.length} available`)
  t.ok(first.items.every((l: { personCapacity: number }) => l.personCapacity >= 2))
  t.equal(first.count, first.items.length)
  const id = first.items[0].id as number
  await app.inject({ ...CAL, payload: { updates: [{ listing_id: id, start_date: '2027-05-04', end_date: '2027-05-04', is_available: false }] } })
  const second = (await app.inject(url)).json()
  t.notOk(second.items.some((l: { id: number }) => l.id === id), 'the listing blocked on one night is not available')
  t.equal(second.count, first.count - 1)
  const backwards = await app.inject('/api/listings/available?start_date=2027-05-05&end_date=2027-05-03')
  t.equal(backwards.statusCode, 400)
  t.match(backwards.json().message, 'querystring/end_date must not be before start_date')
})

test('dry_run on every write: validates and plans with 0 upstream calls, stores nothing under the key', async (t) => {
  const { app, sandbox } = await build(t)
  await app.inject('/api/listings/1') // a token and a first call, so the count below starts after them
  const before = (await sandbox.stats()).requests.total
  const cal = (await app.inject({
    ...CAL,
    headers: { 'idempotency-key': 'dry-1' },
    payload: {
      dry_run: true,
      updates: [
        { listing_id: 1, start_date: '2027-01-15', end_date: '2027-01-17', price: 180 },
        { listing_id: 1, start_date: '2027-02-01', end_date: '2027-02-03', price: 190 },
        { listing_id: 2, start_date: '2027-01-15', end_date: '2027-01-14', price: 1 }
      ]
    }
  })).json()
  t.match(cal, { dry_run: true, operation: 'calendar_update', total_count: 3, valid_count: 2, invalid_count: 1, upstream_call_count: 1, write_call_count: 1 })
  t.same(cal.upstream_calls, [{ kind: 'write', method: 'PUT', path: '/listings/1/calendarIntervals', items: [0, 1] }])
  t.match(cal.items[2], { valid: false, error: 'updates/2/end_date must not be before start_date', calls: [] })
  t.ok(cal.earliest_finish_ms >= 0 && Date.parse(cal.earliest_finish_at) > 0)
  const msg = (await app.inject({ ...MSG, headers: { 'idempotency-key': 'dry-2' }, payload: { dry_run: true, messages: [{ booking_id: 1, body: 'x' }, { booking_id: 1, body: 'x' }] } })).json()
  t.match(msg, { operation: 'message_send', valid_count: 1, invalid_count: 1, upstream_call_count: 2, write_call_count: 1 })
  t.match(msg.items[1].error, /messages\/1 repeats messages\/0/)
  const book = (await app.inject({ ...BOOK, payload: { dry_run: true, updates: [{ booking_id: 1, hostNote: 'x' }] } })).json()
  t.match(book, { operation: 'booking_update', upstream_call_count: 2, write_call_count: 1 })
  t.equal((await sandbox.stats()).requests.total, before, '0 upstream calls')

  const real = await app.inject({ ...CAL, headers: { 'idempotency-key': 'dry-1' }, payload: { updates: [{ listing_id: 1, start_date: '2027-01-15', end_date: '2027-01-17', price: 180 }] } })
  t.equal(real.statusCode, 200, 'the key of a dry run is free: nothing was stored under it')
  t.equal(real.headers['idempotent-replayed'], undefined)
})
