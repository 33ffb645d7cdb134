import { test } from 'tap'
import { BASE_DATE, api, getToken, start, type Envelope, type Obj } from './fixtures/helper.js'

const ENVELOPE_KEYS = ['count', 'limit', 'offset', 'page', 'result', 'status', 'totalPages']
const LISTING_FIELDS = ['id', 'name', 'city', 'countryCode', 'country', 'address', 'price', 'personCapacity', 'bedroomsNumber', 'bathroomsNumber', 'currencyCode', 'timeZoneName', 'lat', 'lng', 'minNights', 'maxNights', 'cleaningFee', 'externalListingName', 'propertyTypeId']
const RESERVATION_FIELDS = ['id', 'listingMapId', 'channelId', 'channelName', 'guestName', 'guestFirstName', 'guestLastName', 'guestEmail', 'numberOfGuests', 'adults', 'arrivalDate', 'departureDate', 'nights', 'status', 'totalPrice', 'currency', 'reservationDate', 'confirmationCode', 'hostawayReservationId']
const MESSAGE_FIELDS = ['id', 'conversationId', 'reservationId', 'listingMapId', 'body', 'isIncoming', 'communicationType', 'status', 'insertedOn', 'date']

const many = { rateLimitIp: 10_000, rateLimitAccount: 10_000 }

type Listing = Obj & { id: number, name: string, city: string, price: number, minNights: number }
type Reservation = Obj & { id: number, listingMapId: number, arrivalDate: string, departureDate: string, status: string, nights: number }
type Day = Obj & { date: string, isAvailable: number, status: string }
type Message = Obj & { id: number, body: string, insertedOn: string, isIncoming: number }

const missing = (o: Obj & { id: number }, fields: string[]) => fields.filter((f) => !(f in o)).map((f) => `${o.id}.${f}`)
const addDays = (date: string, n: number) => new Date(Date.parse(date) + n * 86_400_000).toISOString().slice(0, 10)

test('sandbox API: Hostaway envelope, fields and errors', async (t) => {
  const sb = await start(t, many)
  const c = api(sb, await getToken(sb))

  t.test('listings list', async (t) => {
    const r = await c.get<Envelope<Listing[]>>('/listings')
    t.equal(r.status, 200)
    t.same(Object.keys(r.body).sort(), ENVELOPE_KEYS)
    t.equal(r.body.status, 'success')
    t.equal(r.body.count, 40)
    t.equal(r.body.result.length, 40)
    t.same(r.body.result.map((l) => l.id), Array.from({ length: 40 }, (_, i) => i + 1))
    t.same(r.body.result.flatMap((l) => missing(l, LISTING_FIELDS)), [], 'every listing has the expected fields')
    t.equal(r.body.result.some((l) => l.id === 999999), false)

    const page = await c.get<Envelope<Listing[]>>('/listings?limit=10&offset=10')
    t.same(page.body.result.map((l) => l.id), [11, 12, 13, 14, 15, 16, 17, 18, 19, 20])
    t.match(page.body, { count: 40, limit: 10, offset: 10, page: 2, totalPages: 4 })

    const first = r.body.result[0]
    const byCity = await c.get<Envelope<Listing[]>>(`/listings?city=${encodeURIComponent(first.city.toUpperCase())}`)
    t.ok(byCity.body.count >= 1)
    t.ok(byCity.body.result.every((l) => l.city === first.city))
    const word = first.name.split(' ')[1]
    const byName = await c.get<Envelope<Listing[]>>(`/listings?match=${encodeURIComponent(word.toUpperCase())}`)
    t.ok(byName.body.result.some((l) => l.id === first.id))
    t.ok(byName.body.result.every((l) => l.name.toLowerCase().includes(word.toLowerCase())))
  })

  t.test('one listing, 404 and 400', async (t) => {
    for (const id of [1, 2, 4]) {
      const r = await c.get<Envelope<Listing>>(`/listings/${id}`)
      t.equal(r.status, 200)
      t.match(r.body, { status: 'success', count: 1, limit: null, offset: null, page: 1, totalPages: 1, result: { id } })
    }
    const missing = await c.get('/listings/999999')
    t.equal(missing.status, 404)
    t.same(Object.keys(missing.body as object).sort(), ['message', 'status'])
    t.match(missing.body, { status: 'fail', message: /not found/ })
    for (const path of ['/listings/abc', '/listings/1.5', '/listings/0', '/listings?limit=x', '/listings?offset=-1']) {
      const bad = await c.get(path)
      t.equal(bad.status, 400, path)
      t.match(bad.body, { status: 'fail', message: String }, path)
    }
    const unknownRoute = await c.get('/no-such-thing')
    t.equal(unknownRoute.status, 404)
  })

  t.test('PUT listing merges fields and counts writes', async (t) => {
    const before = (await sb.stats()).writes
    const r = await c.put<Envelope<Listing>>('/listings/2', { price: 321.5, name: 'Renamed by test', houseRules: 'Be nice', customThing: 'kept' })
    t.equal(r.status, 200)
    t.match(r.body.result, { id: 2, price: 321.5, name: 'Renamed by test', externalListingName: 'Renamed by test', houseRules: 'Be nice', customThing: 'kept' })
    const again = await c.get<Envelope<Listing>>('/listings/2')
    t.match(again.body.result, { price: 321.5, name: 'Renamed by test', city: String })
    t.equal((await sb.stats()).writes, before + 1)

    t.equal((await c.put('/listings/999999', { price: 1 })).status, 404)
    t.equal((await c.put('/listings/2', { price: 'cheap' })).status, 400)
    t.equal((await c.put('/listings/2', { price: -5 })).status, 400)
    t.equal((await sb.stats()).writes, before + 1, 'failed writes are not counted')
  })

  t.test('calendar', async (t) => {
    const all = await c.get<Envelope<Reservation[]>>('/reservations?limit=1000')
    const blocking = all.body.result.find((x) => x.status === 'new' && x.arrivalDate >= BASE_DATE)
    const cancelled = all.body.result.find((x) => x.status === 'cancelled')
    t.ok(blocking !== undefined && cancelled !== undefined)
    if (blocking === undefined || cancelled === undefined) return

    const start = addDays(blocking.arrivalDate, -2)
    const end = addDays(blocking.departureDate, 1)
    const r = await c.get<Envelope<Day[]>>(`/listings/${blocking.listingMapId}/calendar?startDate=${start}&endDate=${end}`)
    t.equal(r.status, 200)
    t.equal(r.body.status, 'success')
    t.equal(r.body.result.length, blocking.nights + 4)
    t.equal(r.body.result[0].date, start)
    t.equal(r.body.result[r.body.result.length - 1].date, end)
    const listing = (await c.get<Envelope<Listing>>(`/listings/${blocking.listingMapId}`)).body.result
    for (const d of r.body.result) {
      t.match(d, { id: Number, date: String, isAvailable: Number, status: String, price: Number, minimumStay: listing.minNights, maximumStay: Number, reservations: [] })
      const covered = d.date >= blocking.arrivalDate && d.date < blocking.departureDate
      if (covered) t.match(d, { status: 'reserved', isAvailable: 0 }, `${d.date} reserved`)
    }
    t.match(r.body.result[0], { status: 'available', isAvailable: 1 })
    t.match(r.body.result[r.body.result.length - 1], { status: 'available', isAvailable: 1 }, 'departure day is free')

    const withRes = await c.get<Envelope<Day[]>>(`/listings/${blocking.listingMapId}/calendar?startDate=${blocking.arrivalDate}&endDate=${blocking.arrivalDate}&includeResources=1`)
    t.match(withRes.body.result[0], { reservations: [{ id: blocking.id }] })

    const cal = await c.get<Envelope<Day[]>>(`/listings/${cancelled.listingMapId}/calendar?startDate=${cancelled.arrivalDate}&endDate=${addDays(cancelled.departureDate, -1)}`)
    t.ok(cal.body.result.every((d) => d.status === 'available' && d.isAvailable === 1), 'a cancelled stay does not block')

    const dflt = await c.get<Envelope<Day[]>>('/listings/1/calendar')
    t.equal(dflt.body.result[0].date, BASE_DATE)

    t.equal((await c.get('/listings/999999/calendar')).status, 404)
    for (const q of ['startDate=2026-13-01', 'startDate=2026-02-30', 'startDate=tomorrow', 'startDate=2026-03-10&endDate=2026-03-01', 'startDate=2026-01-01&endDate=2031-01-01']) {
      t.equal((await c.get(`/listings/1/calendar?${q}`)).status, 400, q)
    }
  })

  t.test('reservations list and filters', async (t) => {
    const r = await c.get<Envelope<Reservation[]>>('/reservations')
    t.equal(r.status, 200)
    t.same(Object.keys(r.body).sort(), ENVELOPE_KEYS)
    t.ok(r.body.count >= 200, `count ${r.body.count} >= 200`)
    t.equal(r.body.limit, 100)
    t.equal(r.body.result.length, 100)
    const all = await c.get<Envelope<Reservation[]>>('/reservations?limit=1000')
    t.same(all.body.result.map((x) => x.id).sort((a, b) => a - b), Array.from({ length: r.body.count }, (_, i) => i + 1), 'ids 1..count')
    t.same(r.body.result.map((x) => x.id), all.body.result.slice(0, 100).map((x) => x.id), 'the first 100 in the default order')
    t.same(r.body.result.flatMap((x) => missing(x, RESERVATION_FIELDS)), [], 'every reservation has the expected fields')
    const statuses = new Set(r.body.result.map((x) => x.status))
    t.ok(statuses.has('new') && statuses.has('cancelled'))

    const page2 = await c.get<Envelope<Reservation[]>>('/reservations?limit=50&offset=50')
    t.equal(page2.body.result[0].id, all.body.result[50].id)
    t.match(page2.body, { page: 2, limit: 50, offset: 50 })

    const byListing = await c.get<Envelope<Reservation[]>>('/reservations?listingId=1&limit=1000')
    t.ok(byListing.body.count >= 5)
    t.ok(byListing.body.result.every((x) => x.listingMapId === 1))

    const from = addDays(BASE_DATE, 30)
    const to = addDays(BASE_DATE, 60)
    const arriving = await c.get<Envelope<Reservation[]>>(`/reservations?arrivalStartDate=${from}&arrivalEndDate=${to}&limit=1000`)
    t.ok(arriving.body.count > 0)
    t.ok(arriving.body.result.every((x) => x.arrivalDate >= from && x.arrivalDate <= to))
    const leaving = await c.get<Envelope<Reservation[]>>(`/reservations?departureStartDate=${from}&departureEndDate=${to}&limit=1000`)
    t.ok(leaving.body.count > 0)
    t.ok(leaving.body.result.every((x) => x.departureDate >= from && x.departureDate <= to))

    const cancelled = await c.get<Envelope<Reservation[]>>('/reservations?status=cancelled&limit=1000')
    t.ok(cancelled.body.count > 0)
    t.ok(cancelled.body.result.every((x) => x.status === 'cancelled'))

    const after = await c.get<Envelope<Reservation[]>>(`/reservations?afterId=${all.body.result[149].id}&limit=5`)
    t.same(after.body.result.map((x) => x.id), all.body.result.slice(150, 155).map((x) => x.id))

    for (const q of ['arrivalStartDate=bad', 'listingId=abc', 'limit=0', 'departureEndDate=2026-02-31']) {
      t.equal((await c.get(`/reservations?${q}`)).status, 400, q)
    }
  })

  t.test('one reservation and PUT', async (t) => {
    const r = await c.get<Envelope<Reservation>>('/reservations/1')
    t.match(r.body, { status: 'success', count: 1, result: { id: 1, hostawayReservationId: 1 } })
    t.equal((await c.get('/reservations/999999')).status, 404)
    t.equal((await c.get('/reservations/x')).status, 400)

    const target = (await c.get<Envelope<Reservation[]>>('/reservations?status=new&limit=1')).body.result[0]
    const before = (await sb.stats()).writes
    const arrival = addDays(target.arrivalDate, 1)
    const departure = addDays(target.arrivalDate, 3)
    const put = await c.put<Envelope<Reservation>>(`/reservations/${target.id}`, { arrivalDate: arrival, departureDate: departure, guestNote: 'late arrival', listingMapId: 999 })
    t.equal(put.status, 200)
    t.match(put.body.result, {
      id: target.id, listingMapId: target.listingMapId, arrivalDate: arrival, departureDate: departure, nights: 2, guestNote: 'late arrival', status: 'modified', previousArrivalDate: target.arrivalDate
    })
    t.equal((await sb.stats()).writes, before + 1)

    const cancel = await c.put<Envelope<Reservation>>(`/reservations/${target.id}`, { status: 'cancelled' })
    t.match(cancel.body.result, { status: 'cancelled', cancellationDate: String })

    t.equal((await c.put(`/reservations/${target.id}`, { arrivalDate: '2026-05-10', departureDate: '2026-05-09' })).status, 400)
    t.equal((await c.put(`/reservations/${target.id}`, { status: 'party' })).status, 400)
    t.equal((await c.put('/reservations/999999', { guestNote: 'x' })).status, 404)
    t.equal((await sb.stats()).writes, before + 2)
  })

  t.test('conversations and messages', async (t) => {
    const r = await c.get<Envelope<Array<Obj & { id: number, reservationId: number }>>>('/conversations?reservationId=3')
    t.equal(r.status, 200)
    t.equal(r.body.count, 1)
    t.match(r.body.result[0], { id: 1003, reservationId: 3, listingMapId: Number, recipientName: String, guestEmail: String })

    const page = await c.get<Envelope<Obj[]>>('/conversations?limit=5&offset=5')
    t.match(page.body, { limit: 5, offset: 5, page: 2 })
    t.ok(page.body.count >= 200)
    const withRes = await c.get<Envelope<Obj[]>>('/conversations?reservationId=3&includeResources=1')
    t.match(withRes.body.result[0], { conversationMessages: [{ conversationId: 1003 }], Reservation: { id: 3 } })

    const msgs = await c.get<Envelope<Message[]>>('/conversations/1003/messages')
    t.equal(msgs.status, 200)
    t.ok(msgs.body.count >= 1 && msgs.body.count <= 5)
    t.same(msgs.body.result.flatMap((m) => missing(m, MESSAGE_FIELDS)), [], 'every message has the expected fields')
    for (const m of msgs.body.result) t.match(m, { conversationId: 1003, reservationId: 3, status: 'sent' })
    const times = msgs.body.result.map((m) => m.insertedOn)
    t.same(times, [...times].sort(), 'chronological')

    const before = (await sb.stats()).writes
    const sent = await c.post<Envelope<Message>>('/conversations/1003/messages', { body: 'See you soon!' })
    t.equal(sent.status, 200)
    t.match(sent.body.result, { body: 'See you soon!', conversationId: 1003, reservationId: 3, isIncoming: 0, status: 'sent', communicationType: 'email' })
    const after = await c.get<Envelope<Message[]>>('/conversations/1003/messages')
    t.equal(after.body.count, msgs.body.count + 1)
    t.equal(after.body.result[after.body.result.length - 1].body, 'See you soon!')
    t.equal((await sb.stats()).writes, before + 1)

    t.equal((await c.post('/conversations/1003/messages', { body: '' })).status, 400)
    t.equal((await c.post('/conversations/1003/messages', { body: 'hi', communicationType: 'pigeon' })).status, 400)
    t.equal((await c.post('/conversations/999999/messages', { body: 'hi' })).status, 404)
    t.equal((await c.get('/conversations/999999/messages')).status, 404)
    t.equal((await sb.stats()).writes, before + 1)
  })

  t.test('stats count requests by route', async (t) => {
    const s = await sb.stats()
    t.ok(s.requests.total > 0)
    t.ok(s.requests.by_route['GET /v1/listings/:id'] > 0)
    t.ok(s.requests.by_route['GET /v1/listings/:id/calendar'] > 0)
    t.ok(s.requests.by_route['POST /v1/accessTokens'] >= 1)
    t.ok(s.requests.by_route['GET (not found)'] >= 1)
    t.equal(Object.keys(s.requests.by_route).some((k) => k.includes('__sandbox')), false)
  })
})
