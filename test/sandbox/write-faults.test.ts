import { request as httpRequest } from 'node:http'
import { test } from 'tap'
import type { RunningSandbox } from '../../sandbox/index.js'
import { api, getToken, start, type Envelope, type Obj } from './fixtures/helper.js'

const many = { rateLimitIp: 100_000, rateLimitAccount: 100_000 }

type Day = Obj & { date: string, isAvailable: number, status: string, price: number, minimumStay: number, maximumStay: number, note: string | null }
type Reservation = Obj & { id: number, listingMapId: number, arrivalDate: string, departureDate: string, status: string, hostNote: string | null }
type Message = Obj & { id: number, body: string, conversationId: number }

/** A request over node:http that reports the status, or the socket error code, or that it timed out. */
function raw (sb: RunningSandbox, method: string, path: string, token: string, body?: unknown, timeoutMs = 300): Promise<{ status?: number, error?: string }> {
  return new Promise((resolve) => {
    const payload = body === undefined ? '' : JSON.stringify(body)
    const headers: Record<string, string | number> = { authorization: `Bearer ${token}` }
    if (body !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) })
    const req = httpRequest(`${sb.baseUrl}${path}`, { method, agent: false, headers }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode }))
    })
    req.setTimeout(timeoutMs, () => {
      req.destroy()
      resolve({ error: 'timeout' })
    })
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }))
    req.end(payload)
  })
}

// The sandbox's writes under faults and rate limits (the writes themselves: writes.test.ts).

test('faults on writes: after the write, on conversation routes, duplicates counted', async (t) => {
  const sb = await start(t, many)
  const token = await getToken(sb)
  const c = api(sb, token)
  const count = async (conversation: number) => (await c.get<Envelope<Message[]>>(`/conversations/${conversation}/messages`)).body.count
  t.beforeEach(async () => { await sb.reset() })

  t.test('hang_after_write: the send is stored, then no answer ever comes', async (t) => {
    const before = await count(1004)
    await sb.setFaults({ fail_ids: { hang_after_write: [1004] } })
    const r = await raw(sb, 'POST', '/conversations/1004/messages', token, { body: 'Check-in from 15:00' })
    t.same(r, { error: 'timeout' })
    await sb.setFaults({})
    const list = (await c.get<Envelope<Message[]>>('/conversations/1004/messages')).body.result
    t.equal(list.length, before + 1, 'exactly one message stored')
    t.equal(list[list.length - 1].body, 'Check-in from 15:00')
    const s = await sb.stats()
    t.equal(s.faults_injected.hang_after_write, 1)
    t.equal(s.writes_by_kind.message, 1)
    t.equal(s.faults_injected.hang, 0)
  })

  t.test('on a read, an after-write mode is its plain fault', async (t) => {
    await sb.setFaults({ fail_ids: { hang_after_write: [1005], reset_after_write: [6], '500_after_write': [7] } })
    t.same(await raw(sb, 'GET', '/conversations/1005/messages', token), { error: 'timeout' })
    t.same(await raw(sb, 'GET', '/listings/6', token), { error: 'ECONNRESET' })
    t.equal((await c.get('/listings/7')).status, 500)
    t.match((await sb.stats()).faults_injected, { hang: 1, reset: 1, 500: 1, hang_after_write: 0 })
  })

  t.test('reset_after_write on a calendar write: the connection is reset, the days are set', async (t) => {
    await sb.setFaults({ fail_ids_once: { reset_after_write: [8] } })
    t.same(await raw(sb, 'PUT', '/listings/8/calendar', token, { startDate: '2026-11-02', endDate: '2026-11-03', price: 444 }), { error: 'ECONNRESET' })
    const days = (await c.get<Envelope<Day[]>>('/listings/8/calendar?startDate=2026-11-02&endDate=2026-11-03')).body.result
    t.same(days.map((d) => d.price), [444, 444])
    const again = await c.put('/listings/8/calendarIntervals', [{ startDate: '2026-11-04', endDate: '2026-11-04', price: 445 }])
    t.equal(again.status, 200, 'once: the next write of the id answers')
    t.match(await sb.stats(), { calendar_days_written: 3, writes_by_kind: { calendar: 1, calendar_intervals: 1 }, faults_injected: { reset_after_write: 1 } })
  })

  t.test('500_after_write on a reservation update: a 500, yet applied', async (t) => {
    await sb.setFaults({ fail_routes: { '500_after_write': ['PUT /v1/reservations/:id'] } })
    const r = await c.put('/reservations/3', { hostNote: 'applied anyway' })
    t.equal(r.status, 500)
    t.match(r.body, { status: 'fail', message: 'Internal Server Error' })
    t.equal((await c.get<Envelope<Reservation>>('/reservations/3')).body.result.hostNote, 'applied anyway')
    const bad = await c.put('/reservations/3', { arrivalDate: '2026-05-10', departureDate: '2026-05-09' })
    t.equal(bad.status, 400, 'a write that fails answers its own error: the fault needs a write to follow')
    t.match(await sb.stats(), { writes_by_kind: { reservation: 1 }, faults_injected: { '500_after_write': 1 } })
  })

  t.test('fail_ids on a conversation: the send is refused and not stored', async (t) => {
    const before = await count(1006)
    await sb.setFaults({ fail_ids: { 503: [1006], 404: [1007] } })
    t.equal((await c.post('/conversations/1006/messages', { body: 'x' })).status, 503)
    t.match((await c.post('/conversations/1007/messages', { body: 'x' })).body, { status: 'fail', message: 'Conversation not found' })
    t.equal((await c.get('/conversations/1006')).status, 503)
    t.equal((await c.get('/reservations/6/conversations')).status, 200, 'a reservation route matches reservation ids')
    await sb.setFaults({})
    t.equal(await count(1006), before)
    t.equal((await sb.stats()).writes, 0)
  })

  t.test('the same body twice to one conversation counts a duplicate; to another does not', async (t) => {
    await c.post('/conversations/1009/messages', { body: 'Welcome!' })
    await c.post('/conversations/1010/messages', { body: 'Welcome!' })
    t.equal((await sb.stats()).messages_duplicated, 0)
    await c.post('/conversations/1009/messages', { body: 'Welcome!' })
    t.match(await sb.stats(), { messages_duplicated: 1, writes_by_kind: { message: 3 } })
  })

  t.test('the fault config takes the new modes by id and by route', async (t) => {
    for (const route of ['PUT /v1/listings/:id/calendarIntervals', 'POST /v1/conversations/:id/messages', 'GET /v1/reservations/:id/conversations']) {
      await sb.setFaults({ fail_routes: { 503: [route] } })
    }
    await t.rejects(sb.setFaults({ fail_ids: { hang_after: [1] } } as never), /hang_after/)
  })
})

test('writes count against the same rate limits as reads', async (t) => {
  const sb = await start(t, { rateLimitIp: 4, rateLimitAccount: 1000, rateWindowMs: 60_000 })
  const c = api(sb, await getToken(sb))
  const statuses = [
    (await c.put('/listings/1/calendar', { startDate: '2026-09-01', endDate: '2026-09-01', price: 1 })).status,
    (await c.put('/listings/1/calendarIntervals', [{ startDate: '2026-09-02', endDate: '2026-09-02', price: 1 }])).status,
    (await c.post('/conversations/1004/messages', { body: 'hi' })).status,
    (await c.put('/listings/1/calendar', { startDate: '2026-09-03', endDate: '2026-09-03', price: 1 })).status
  ]
  t.same(statuses, [200, 200, 200, 429], 'the token request was the first call of the window')
  const s = await sb.stats()
  t.equal(s.writes, 3)
  t.equal(s.rate_limited_by.ip, 1)
})
