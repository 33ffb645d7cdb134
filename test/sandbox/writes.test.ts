import { test } from 'tap'
import { BLOCKING_STATUSES } from '../../sandbox/data.js'
import { BASE_DATE, api, getToken, start, type Envelope, type Obj } from './fixtures/helper.js'

const many = { rateLimitIp: 100_000, rateLimitAccount: 100_000 }

type Day = Obj & { date: string, isAvailable: number, status: string, price: number, minimumStay: number, maximumStay: number, note: string | null }
type Reservation = Obj & { id: number, listingMapId: number, arrivalDate: string, departureDate: string, status: string, hostNote: string | null }
type Message = Obj & { id: number, body: string, conversationId: number }
type Conversation = Obj & { id: number, reservationId: number }

const addDays = (date: string, n: number) => new Date(Date.parse(date) + n * 86_400_000).toISOString().slice(0, 10)

test('calendar writes: one range, many intervals, read back', async (t) => {
  const sb = await start(t, many)
  const c = api(sb, await getToken(sb))
  const calendar = async (id: number, from: string, to: string) =>
    (await c.get<Envelope<Day[]>>(`/listings/${id}/calendar?startDate=${from}&endDate=${to}`)).body.result
  // A stay of listing 1 that holds the calendar, and free days well after it.
  const stay = (await c.get<Envelope<Reservation[]>>('/reservations?listingId=1&status=new&sortOrder=arrivalDate&limit=100')).body.result
    .find((r) => r.arrivalDate > BASE_DATE) as Reservation
  const free = (await calendar(1, BASE_DATE, addDays(BASE_DATE, 300))).filter((d) => d.status === 'available')
  const [f1, f2] = [free[0].date, free[1].date]

  t.test('PUT /listings/:id/calendar sets the fields of every day of the range; later reads show them', async (t) => {
    const before = await sb.stats()
    const put = await c.put<Envelope<Day[]>>('/listings/1/calendar', { startDate: f1, endDate: f1, price: 321, minimumStay: 2, maximumStay: 9, note: 'promo', closedOnArrival: 1 })
    t.equal(put.status, 200)
    t.match(put.body, { status: 'success', count: 1, result: [{ date: f1, price: 321, minimumStay: 2, maximumStay: 9, note: 'promo', closedOnArrival: 1, status: 'available' }] })
    t.match(await calendar(1, f1, f1), [{ date: f1, price: 321, minimumStay: 2, maximumStay: 9, note: 'promo', closedOnArrival: 1 }])
    const after = await sb.stats()
    t.equal(after.writes, before.writes + 1)
    t.equal(after.writes_by_kind.calendar, before.writes_by_kind.calendar + 1)
    t.equal(after.calendar_days_written, before.calendar_days_written + 1)

    // Fields not given keep their value; null clears note; isAvailable 0 blocks a free day.
    await c.put('/listings/1/calendar', { startDate: f1, endDate: f1, note: null, isAvailable: 0 })
    t.match(await calendar(1, f1, f1), [{ price: 321, minimumStay: 2, note: null, isAvailable: 0, status: 'blocked' }])
    await c.put('/listings/1/calendar', { startDate: f1, endDate: f1, isAvailable: 1 })
    t.match(await calendar(1, f1, f1), [{ isAvailable: 1, status: 'available' }])
  })

  t.test('a reservation keeps its days reserved whatever a write sets; the price still changes', async (t) => {
    const last = addDays(stay.departureDate, -1)
    const put = await c.put<Envelope<Day[]>>('/listings/1/calendar', { startDate: stay.arrivalDate, endDate: last, isAvailable: 1, price: 99 })
    t.equal(put.status, 200)
    for (const d of await calendar(1, stay.arrivalDate, last)) t.match(d, { status: 'reserved', isAvailable: 0, price: 99 }, d.date)
  })

  t.test('PUT /listings/:id/calendarIntervals: several intervals in one call, empty success', async (t) => {
    const before = await sb.stats()
    const r = await c.put<Envelope<unknown[]>>('/listings/2/calendarIntervals', [
      { startDate: '2026-09-01', endDate: '2026-09-03', price: 150 },
      { startDate: '2026-09-10', endDate: '2026-09-10', minimumStay: 4, note: 'fair' },
      { startDate: '2026-09-03', endDate: '2026-09-04', price: 175 }
    ])
    t.equal(r.status, 200)
    t.match(r.body, { status: 'success', result: [], count: 0 })
    const days = await calendar(2, '2026-09-01', '2026-09-10')
    t.same(days.slice(0, 4).map((d) => d.price), [150, 150, 175, 175], 'overlapping intervals: the later one wins')
    t.match(days[9], { date: '2026-09-10', minimumStay: 4, note: 'fair' })
    const after = await sb.stats()
    t.equal(after.writes_by_kind.calendar_intervals, before.writes_by_kind.calendar_intervals + 1)
    t.equal(after.calendar_days_written, before.calendar_days_written + 6)
  })

  t.test('bad input: 400 naming the problem, nothing applied; unknown listing 404', async (t) => {
    const original = await calendar(3, '2026-10-01', '2026-10-05')
    const before = (await sb.stats()).writes
    const cases: Array<[string, unknown, RegExp]> = [
      ['/listings/3/calendar', { startDate: '2026-10-05', endDate: '2026-10-01', price: 1 }, /the end must not be before the start/],
      ['/listings/3/calendar', { startDate: '2026-02-30', endDate: '2026-10-01', price: 1 }, /startDate/],
      ['/listings/3/calendar', { startDate: '2026-10-01', endDate: '2026-10-02' }, /nothing to update/],
      ['/listings/3/calendar', { startDate: '2026-10-01', endDate: '2026-10-02', minimumStay: 5, maximumStay: 3 }, /minimumStay must not exceed maximumStay/],
      ['/listings/3/calendar', { startDate: '2026-10-01', endDate: '2026-10-02', minimumStay: 0 }, /minimumStay/],
      ['/listings/3/calendar', { startDate: '2026-10-01', endDate: '2026-10-02', price: -1 }, /price/],
      ['/listings/3/calendar', { startDate: '2026-10-01', endDate: '2029-12-31', price: 1 }, /must not exceed 1096 days/],
      ['/listings/3/calendar', { startDate: '2026-10-01', endDate: '2026-10-02', desiredUnitsToSell: 0 }, /multi-unit/],
      ['/listings/3/calendarIntervals', [], /must NOT have fewer than 1 items/],
      ['/listings/3/calendarIntervals', Array.from({ length: 201 }, () => ({ startDate: '2026-10-01', endDate: '2026-10-01', price: 1 })), /must NOT have more than 200 items/],
      ['/listings/3/calendarIntervals', [{ startDate: '2026-10-01', endDate: '2026-10-05', price: 1 }, { startDate: '2026-10-03', endDate: '2026-10-02', price: 2 }], /intervals\[1\]: .*the end must not be before the start/]
    ]
    for (const [path, body, message] of cases) {
      const r = await c.put(path, body)
      t.equal(r.status, 400, JSON.stringify(body).slice(0, 120))
      t.match(r.body, { status: 'fail', message }, JSON.stringify(body).slice(0, 120))
    }
    t.same(await calendar(3, '2026-10-01', '2026-10-05'), original, 'a rejected request changes no day, not even its good intervals')
    t.equal((await sb.stats()).writes, before)
    for (const path of ['/listings/999999/calendar', '/listings/999999/calendarIntervals']) {
      const body = { startDate: '2026-10-01', endDate: '2026-10-01', price: 1 }
      const r = await c.put(path, path.endsWith('Intervals') ? [body] : body)
      t.equal(r.status, 404, path)
      t.match(r.body, { status: 'fail', message: 'Listing not found' })
    }
  })

  t.test('the data reset forgets calendar writes', async (t) => {
    await sb.reset({ data: true })
    t.not((await calendar(1, f2, f2))[0].price, 321)
    t.equal((await calendar(1, f1, f1))[0].note, null)
  })
})

test('listings availability filter', async (t) => {
  const sb = await start(t, many)
  const c = api(sb, await getToken(sb))
  const ids = async (q: string) => (await c.get<Envelope<Array<Obj & { id: number }>>>(`/listings?${q}`)).body.result.map((l) => l.id)
  const stays = (await c.get<Envelope<Reservation[]>>('/reservations?limit=1000')).body.result.filter((r) => BLOCKING_STATUSES.has(r.status))
  const stay = stays.find((r) => r.status === 'new' && r.arrivalDate > addDays(BASE_DATE, 30)) as Reservation
  const range = `availabilityDateStart=${stay.arrivalDate}&availabilityDateEnd=${stay.arrivalDate}`

  const open = await ids(range)
  t.notOk(open.includes(stay.listingMapId), 'a listing reserved on a day of the range is left out')
  t.ok(open.length > 20, `${open.length} listings are open that day`)
  const busy = new Set(stays.filter((r) => r.arrivalDate <= stay.arrivalDate && stay.arrivalDate < r.departureDate).map((r) => r.listingMapId))
  t.same(open, Array.from({ length: 40 }, (_, i) => i + 1).filter((id) => !busy.has(id)), 'exactly the listings no stay holds that day')

  const dayBefore = addDays(stay.arrivalDate, -1)
  const wasOpen = (await ids(`availabilityDateStart=${dayBefore}&availabilityDateEnd=${dayBefore}`)).includes(stay.listingMapId)
  if (wasOpen) {
    t.notOk((await ids(`availabilityDateStart=${dayBefore}&availabilityDateEnd=${stay.arrivalDate}`)).includes(stay.listingMapId), 'the end date is a night of the range')
  }
  const other = open[0]
  await c.put(`/listings/${other}/calendar`, { startDate: stay.arrivalDate, endDate: stay.arrivalDate, isAvailable: 0 })
  t.notOk((await ids(range)).includes(other), 'a day blocked by a calendar write is not open')

  const capacities = (await c.get<Envelope<Array<Obj & { id: number, personCapacity: number }>>>('/listings')).body.result
  const big = capacities.filter((l) => l.personCapacity >= 6).map((l) => l.id)
  t.ok(big.length > 0 && big.length < 40)
  t.same(await ids('availabilityGuestNumber=6'), big)
  t.same(await ids(`${range}&availabilityGuestNumber=6&limit=100`), big.filter((id) => open.includes(id) && id !== other))

  for (const q of ['availabilityDateStart=2026-05-01', 'availabilityDateEnd=2026-05-01', 'availabilityDateStart=2026-05-03&availabilityDateEnd=2026-05-01', 'availabilityDateStart=x&availabilityDateEnd=2026-05-01', 'availabilityGuestNumber=0']) {
    t.equal((await c.get(`/listings?${q}`)).status, 400, q)
  }
})

test('reservation update: the whole object read, merged and written back', async (t) => {
  const sb = await start(t, many)
  const c = api(sb, await getToken(sb))
  const list = (await c.get<Envelope<Reservation[]>>('/reservations?listingId=5&sortOrder=arrivalDate&limit=100')).body.result
    .filter((r) => r.status === 'new' || r.status === 'modified')
  const [a, b] = list
  const full = (await c.get<Envelope<Reservation>>(`/reservations/${a.id}`)).body.result
  const put = await c.put<Envelope<Reservation>>(`/reservations/${a.id}`, { ...full, hostNote: 'VIP', phone: '+15550000000' })
  t.equal(put.status, 200)
  t.match(put.body.result, { id: a.id, hostNote: 'VIP', phone: '+15550000000', guestName: full.guestName, arrivalDate: full.arrivalDate })
  t.match((await c.get<Envelope<Reservation>>(`/reservations/${a.id}`)).body.result, { hostNote: 'VIP', phone: '+15550000000' })
  const top = (await c.get<Envelope<Reservation[]>>('/reservations?limit=1')).body.result[0]
  t.equal(top.id, a.id, 'the list reflects it: the changed reservation comes first')

  // New dates over another stay of the listing: refused unless forceOverbooking=1.
  const over = { ...full, arrivalDate: b.arrivalDate, departureDate: b.departureDate }
  const refused = await c.put(`/reservations/${a.id}`, over)
  t.equal(refused.status, 400)
  t.match(refused.body, { status: 'fail', message: new RegExp(`Overbooking: .*reservation ${b.id}`) })
  t.equal((await c.get<Envelope<Reservation>>(`/reservations/${a.id}`)).body.result.arrivalDate, full.arrivalDate, 'not applied')
  const forced = await c.put<Envelope<Reservation>>(`/reservations/${a.id}?forceOverbooking=1`, over)
  t.equal(forced.status, 200)
  t.match(forced.body.result, { arrivalDate: b.arrivalDate })
  const stats = await sb.stats()
  t.equal(stats.writes_by_kind.reservation, 2)
})

test('conversations: per reservation, by id, one message; reservations without one', async (t) => {
  const sb = await start(t, many)
  const c = api(sb, await getToken(sb))
  // Seed 42: reservation 2 is an owner stay, the first one without a conversation.
  t.match((await c.get<Envelope<Reservation>>('/reservations/2')).body.result, { status: 'ownerStay', hostProxyEmail: null })
  const none = await c.get<Envelope<Conversation[]>>('/reservations/2/conversations')
  t.equal(none.status, 200)
  t.same(none.body.result, [])
  t.equal((await c.get<Envelope<Conversation[]>>('/conversations?reservationId=2')).body.count, 0)
  t.equal((await c.get('/reservations/999999/conversations')).status, 404)

  const own = await c.get<Envelope<Conversation[]>>('/reservations/4/conversations')
  t.match(own.body.result, [{ id: 1004, reservationId: 4 }])
  t.equal(own.body.result.length, 1)
  const one = await c.get<Envelope<Conversation>>('/conversations/1004')
  t.match(one.body.result, { id: 1004, reservationId: 4, conversationMessages: [{ conversationId: 1004 }] })
  t.match((await c.get('/conversations/999999')).body, { status: 'fail', message: 'Conversation not found' })
  t.equal((await c.get('/conversations/1002')).status, 404, 'the owner stay has none')

  const messages = (await c.get<Envelope<Message[]>>('/conversations/1004/messages')).body.result
  const m = messages[0]
  t.same((await c.get<Envelope<Message>>(`/conversations/1004/messages/${m.id}`)).body.result, m)
  t.match((await c.get('/conversations/1004/messages/999999')).body, { status: 'fail', message: 'Message not found' })
  t.equal((await c.post('/conversations/1002/messages', { body: 'hello' })).status, 404)

  const all = (await c.get<Envelope<Conversation[]>>('/conversations')).body.count
  const reservations = (await c.get<Envelope<Reservation[]>>('/reservations?limit=1000')).body.result
  t.equal(all, reservations.filter((r) => r.status !== 'ownerStay').length)
})
