import { test } from 'tap'
import { build } from '../helper.js'
import { isError } from '../fixtures/error-body.js'

const USER = 'hostaway'
const PASSWORD = 'wh-s3cret-pw'
const ENV = { HOSTAWAY_WEBHOOK_USER: USER, HOSTAWAY_WEBHOOK_PASSWORD: PASSWORD }
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
const AUTH = { authorization: basic(USER, PASSWORD) }
const URL = '/webhooks/hostaway'

type Booking = Record<string, unknown> & { id: number, updatedOn: string, arrivalDate: string }

test('off unless HOSTAWAY_WEBHOOK_USER and _PASSWORD are set: 404', async (t) => {
  const { app } = await build(t)
  const res = await app.inject({ method: 'POST', url: URL, headers: AUTH, payload: { event: 'reservation.updated' } })
  const body = isError(t, res, 404, /webhook receiver is off/)
  t.equal(body.error_type, 'not_found')
})

test('Basic credentials: missing, wrong or malformed → 401 with WWW-Authenticate, before the body is read', async (t) => {
  const { app, logs } = await build(t, ENV)
  const headers: Array<Record<string, string>> = [
    {},
    { authorization: basic(USER, 'wrong') },
    { authorization: basic('someone', PASSWORD) },
    { authorization: basic(USER, `${PASSWORD}x`) },
    { authorization: 'Basic !!!' },
    { authorization: `Bearer ${PASSWORD}` }
  ]
  for (const h of headers) {
    const res = await app.inject({ method: 'POST', url: URL, headers: { ...h, 'content-type': 'application/json' }, payload: '{not json' })
    const body = isError(t, res, 401)
    t.equal(body.error_type, 'unauthorized')
    t.match(res.headers['www-authenticate'], /^Basic realm="hostaway-webhooks"/)
  }
  t.notMatch(logs.text, PASSWORD, 'the password never reaches a log line')
})

test('malformed bodies → 400 in the error schema, naming the field', async (t) => {
  const { app } = await build(t, ENV)
  const cases: Array<[string | object, RegExp]> = [
    ['{"event":', /.+/],
    [[], /body must be object/],
    [{ event: '' }, /body\/event must NOT have fewer than 1 characters/],
    [{ event: 7 }, /body\/event must be string/],
    [{ event: 'reservation.updated', data: 5 }, /body\/data must be object/],
    [{ event: 'reservation.updated', data: 'x' }, /body\/data\/id must be the reservation id/],
    [{ event: 'reservation.updated', data: { guestName: 'no id' } }, /body\/data\/id must be the reservation id/],
    [{ event: 'message.received', data: { body: 'hi' } }, /body\/data must name the conversationId or the reservationId/]
  ]
  for (const [payload, message] of cases) {
    const res = await app.inject({ method: 'POST', url: URL, headers: { ...AUTH, 'content-type': 'application/json' }, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) })
    const body = isError(t, res, 400, message)
    t.equal(body.error_type, 'validation_error', JSON.stringify(payload))
  }
})

test('unknown events and test deliveries are acknowledged and logged; nothing is asked upstream, even when it hangs', async (t) => {
  const { app, sandbox, logs } = await build(t, ENV)
  await sandbox.setFaults({ hang_rate: 1 })
  const before = (await sandbox.stats()).requests.total
  const res = await app.inject({ method: 'POST', url: URL, headers: AUTH, payload: { object: 'listing', event: 'listing.updated', accountId: 10000, data: { id: 1 } } })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { received: true, action: 'ignored' })
  t.match(logs.entries().find((e) => e.msg === 'hostaway webhook'), { event: 'listing.updated', action: 'ignored', request_id: res.headers['x-request-id'] })
  const ping = await app.inject({ method: 'POST', url: URL, headers: AUTH, payload: { data: 'test' } })
  t.same(ping.json(), { received: true, action: 'ignored' }, "Hostaway's test delivery")
  const updated = await app.inject({ method: 'POST', url: URL, headers: AUTH, payload: { event: 'reservation.updated', accountId: 10000, data: { id: 3 } } })
  t.same(updated.json(), { received: true, action: 'evicted' })
  t.equal((await sandbox.stats()).requests.total, before, 'no upstream request')
})

test('reservation events: a valid reservation of this account replaces the cached one; anything else evicts it', async (t) => {
  const { app, sandbox } = await build(t, ENV)
  const calls = async () => (await sandbox.stats()).requests.by_route['GET /v1/reservations/:id'] ?? 0
  const get = async (id: number) => app.inject({ url: `/api/bookings/${id}` })
  const send = async (event: string, data: object, accountId: unknown = 10000) =>
    (await app.inject({ method: 'POST', url: URL, headers: AUTH, payload: { object: 'reservation', event, accountId, data } })).json()

  const original = (await get(5)).json() as Booking
  t.equal(await calls(), 1)
  const changed = { ...original, guestName: 'Changed By Webhook', updatedOn: '2999-01-01 10:00:00' }
  t.same(await send('reservation.updated', changed), { received: true, action: 'cached' })
  t.same((await get(5)).json(), changed, 'served from the event')
  const batch = await app.inject({ method: 'POST', url: '/api/batch/bookings', payload: { ids: [5] } })
  t.same(batch.json().successful[0].data, changed)
  t.match(batch.json().successful[0], { attempts: 0 })
  t.equal(await calls(), 1, 'no upstream call')

  t.same(await send('reservation.updated', { ...original, updatedOn: '2000-01-01 00:00:00' }), { received: true, action: 'evicted' }, 'older than the cached copy (out of order)')
  t.same((await get(5)).json(), original, 'read afresh')
  t.equal(await calls(), 2)

  t.same(await send('reservation.updated', changed, 99999), { received: true, action: 'evicted' }, 'another account')
  await get(5)
  t.equal(await calls(), 3)
  const { arrivalDate: _dropped, ...invalid } = changed
  t.same(await send('reservation.updated', invalid), { received: true, action: 'evicted' }, 'not a valid reservation')
  await get(5)
  t.equal(await calls(), 4)
})

test('reservation.created for an id remembered as 404 makes it exist at once', async (t) => {
  const { app, sandbox } = await build(t, ENV)
  const template = (await app.inject({ url: '/api/bookings/7' })).json() as Booking
  t.equal((await app.inject({ url: '/api/bookings/999999' })).statusCode, 404)
  const created = { ...template, id: 999999, guestName: 'New Guest' }
  const ack = await app.inject({ method: 'POST', url: URL, headers: AUTH, payload: { object: 'reservation', event: 'reservation.created', accountId: '10000', data: created } })
  t.same(ack.json(), { received: true, action: 'cached' })
  const res = await app.inject({ url: '/api/bookings/999999' })
  t.equal(res.statusCode, 200)
  t.equal(res.json().guestName, 'New Guest')
  t.equal((await sandbox.stats()).requests.by_route['GET /v1/reservations/:id'], 2, 'the 404 was not asked again')
})

test('message.received evicts the cached messages of the conversation and its reservation', async (t) => {
  const { app, sandbox } = await build(t, ENV)
  const listCalls = async () => {
    const r = (await sandbox.stats()).requests.by_route
    return (r['GET /v1/conversations'] ?? 0) + (r['GET /v1/conversations/:id/messages'] ?? 0)
  }
  const first = await app.inject({ url: '/api/bookings/5/messages' })
  t.equal(first.statusCode, 200)
  const cold = await listCalls()
  t.ok(cold >= 2)
  t.same((await app.inject({ url: '/api/bookings/5/messages' })).json(), first.json())
  t.equal(await listCalls(), cold, 'cached: no upstream call')
  const conversationId = first.json().items[0].conversationId
  const ack = await app.inject({ method: 'POST', url: URL, headers: AUTH, payload: { object: 'conversationMessage', event: 'message.received', accountId: 10000, data: { id: 1, conversationId, reservationId: 5, body: 'Hello' } } })
  t.same(ack.json(), { received: true, action: 'evicted' })
  await app.inject({ url: '/api/bookings/5/messages' })
  t.equal(await listCalls(), 2 * cold, 'read afresh')
})
