import { setTimeout as delay } from 'node:timers/promises'
import { test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { build } from '../../helper.js'
import { ENDED, type JobBody } from '../../fixtures/jobs.js'

// The #23 write batches with Prefer: respond-async (docs/jobs.md): each runs as a job of the
// same operation — 202 + Location, every item once, each write sent once, the answer's secrets left
// out by the reading key's scopes; a bad body and a dry run are answered in the request.

const ASYNC = { prefer: 'respond-async' }
const CAL = { method: 'PATCH' as const, url: '/api/calendar/batch' }
const MSG = { method: 'POST' as const, url: '/api/batch/messages' }
const BOOK = { method: 'PATCH' as const, url: '/api/bookings/batch' }

/** GET the job until it ended (polling; a generous bound, not a timing claim). */
async function ended (app: FastifyInstance, id: string, headers: Record<string, string> = {}): Promise<JobBody> {
  for (let i = 0; i < 1200; i++) {
    const job = (await app.inject({ url: `/api/jobs/${id}`, headers })).json<JobBody>()
    if (ENDED.has(job.status)) return job
    await delay(50)
  }
  throw new Error(`job ${id} did not end`)
}

interface Item { index: number, operation_id: string, data?: Record<string, unknown> | null, error_type?: string, attempts: number }

const sorted = (job: JobBody): Item[] => {
  const result = job.result as NonNullable<JobBody['result']>
  return [...result.successful, ...result.failed].sort((a, b) => a.index - b.index)
}

test('calendar ranges as a job: 202 + Location, one upstream call per listing, every range once; dry run and bad bodies stay in the request', async (t) => {
  const { app, sandbox } = await build(t)
  const updates = [
    { listing_id: 1, start_date: '2027-04-01', end_date: '2027-04-03', price: 175 },
    { listing_id: 2, start_date: '2027-04-01', end_date: '2027-04-02', minimum_stay: 2 },
    { listing_id: 1, start_date: '2027-04-10', end_date: '2027-04-12', is_available: false },
    { listing_id: 4, start_date: '2027-04-01', end_date: '2027-04-02', minimum_stay: 9, maximum_stay: 3 }
  ]
  const res = await app.inject({ ...CAL, headers: ASYNC, payload: { updates } })
  t.equal(res.statusCode, 202)
  const created = res.json<JobBody>()
  t.equal(res.headers.location, `/api/jobs/${created.id}`)
  t.equal(res.headers['preference-applied'], 'respond-async')
  t.match(created, { operation: 'batchUpdateCalendar', total_count: 4 })

  const job = await ended(app, created.id)
  t.match(job, { status: 'completed', done_count: 4, success_count: 3, failure_count: 1 })
  const items = sorted(job)
  t.same(items.map((r) => r.operation_id), ['1/0', '2/1', '1/2', '4/3'], 'every range once, named as in a request')
  t.match(items[3], { error_type: 'validation_error', attempts: 0 })
  const stats = await sandbox.stats()
  t.equal(stats.requests.by_route['PUT /v1/listings/:id/calendarIntervals'], 1, "listing 1's two ranges: one call, as in a request")
  t.equal(stats.requests.by_route['PUT /v1/listings/:id/calendar'], 1)
  const days = (await app.inject('/api/listings/1/calendar?start_date=2027-04-01&end_date=2027-04-03')).json<{ items: Array<{ price: number }> }>().items
  t.same(days.map((d) => d.price), [175, 175, 175], 'read after write: the job wrote the price')

  const dry = await app.inject({ ...CAL, headers: ASYNC, payload: { updates, dry_run: true } })
  t.equal(dry.statusCode, 200, 'a dry run sends nothing: answered in the request, not as a job')
  t.equal(dry.headers['preference-applied'], undefined)
  t.match(dry.json(), { dry_run: true, operation: 'calendar_update', total_count: 4 })
  const bad = await app.inject({ ...CAL, headers: ASYNC, payload: { updates: [{ listing_id: 1, start_date: '2027-04-01', end_date: 'soon', price: 100 }] } })
  t.equal(bad.statusCode, 400, 'a body the schema refuses: 400 at once, no job')
  const list = (await app.inject('/api/jobs')).json<{ count: number }>()
  t.equal(list.count, 1, 'neither the dry run nor the bad body made a job')
})

test('guest messages as a job: the Idempotency-Key is still required; each message sent once; the same key gives the same job', async (t) => {
  const { app, sandbox } = await build(t)
  const payload = { messages: [1, 2, 4].map((id) => ({ booking_id: id, body: `Welcome, booking ${id}` })) }
  const missing = await app.inject({ ...MSG, headers: ASYNC, payload })
  t.equal(missing.statusCode, 400, 'no Idempotency-Key: 400, as without Prefer')
  t.match(missing.json(), { error_type: 'validation_error', message: /idempotency-key/i })

  const headers = { ...ASYNC, 'idempotency-key': 'job-msg-1' }
  const res = await app.inject({ ...MSG, headers, payload })
  t.equal(res.statusCode, 202)
  const created = res.json<JobBody>()
  const job = await ended(app, created.id)
  t.match(job, { operation: 'batchSendMessages', status: 'completed', success_count: 2, failure_count: 1 })
  t.match(sorted(job).map((r) => [r.operation_id, r.error_type ?? null]), [['1', null], ['2', 'not_found'], ['4', null]])
  t.equal((await sandbox.stats()).writes_by_kind.message, 2, 'two messages stored upstream, once each')

  const again = await app.inject({ ...MSG, headers, payload })
  t.equal(again.statusCode, 202)
  t.equal(again.json<JobBody>().id, created.id, 'the same key and body: the same job')
  t.equal(again.headers['idempotent-replayed'], 'true')
  await delay(100)
  t.equal((await sandbox.stats()).writes_by_kind.message, 2, 'nothing sent again')
})

test('reservation updates as a job: JOB_MAX_ITEMS admits more than a request; the door code is left out for a reader without the secrets scope; other keys get 404', async (t) => {
  const { app, sandbox } = await build(t, { API_KEYS: 'full, rw:read+write', BATCH_MAX_ITEMS: '2', JOB_MAX_ITEMS: '3' })
  const payload = { updates: [1, 3, 4].map((id) => ({ booking_id: id, hostNote: `note ${id}` })) }
  const sync = await app.inject({ ...BOOK, headers: { 'x-api-key': 'full' }, payload })
  t.equal(sync.statusCode, 400, 'three updates: more than one request takes (BATCH_MAX_ITEMS=2)')
  t.match(sync.json(), { message: /body\/updates has more than 2 items.*Prefer: respond-async, up to 3 items/ })
  const repeated = await app.inject({ ...BOOK, headers: { 'x-api-key': 'rw', ...ASYNC }, payload: { updates: [{ booking_id: 1, hostNote: 'a' }, { booking_id: 1, hostNote: 'b' }] } })
  t.equal(repeated.statusCode, 400, 'a rule across items: 400 at once, as without Prefer')
  t.match(repeated.json(), { message: /body\/updates\/1\/booking_id repeats/ })
  const tooMany = await app.inject({ ...BOOK, headers: { 'x-api-key': 'full', ...ASYNC }, payload: { updates: [...payload.updates, { booking_id: 5, hostNote: 'x' }] } })
  t.equal(tooMany.statusCode, 400, 'four: more than one job takes (JOB_MAX_ITEMS=3)')

  const before = (await app.inject({ url: '/api/bookings/1', headers: { 'x-api-key': 'full' } })).json<{ doorCode: string }>()
  const res = await app.inject({ ...BOOK, headers: { 'x-api-key': 'rw', ...ASYNC }, payload })
  t.equal(res.statusCode, 202)
  const id = res.json<JobBody>().id
  const job = await ended(app, id, { 'x-api-key': 'rw' })
  t.match(job, { operation: 'batchUpdateBookings', status: 'completed', success_count: 3 })
  const first = sorted(job)[0]
  t.equal(first.data?.hostNote, 'note 1')
  t.notOk('doorCode' in (first.data ?? {}), 'its reader has no secrets scope: no door code in the result')
  const page = (await app.inject({ url: `/api/jobs/${id}/items`, headers: { 'x-api-key': 'rw' } })).json<{ items: Array<{ data: Record<string, unknown> | null }> }>()
  t.ok(page.items.every((item) => item.data !== null && !('doorCode' in item.data)), 'nor in its items')
  t.equal((await sandbox.stats()).writes_by_kind.reservation, 3, 'one write per reservation')
  const after = (await app.inject({ url: '/api/bookings/1', headers: { 'x-api-key': 'full' } })).json<{ doorCode: string, hostNote: string }>()
  t.equal(after.hostNote, 'note 1')
  t.equal(after.doorCode, before.doorCode, 'the door code was written back as it was')
  const other = await app.inject({ url: `/api/jobs/${id}`, headers: { 'x-api-key': 'full' } })
  t.equal(other.statusCode, 404, 'another key: no such job')
})
