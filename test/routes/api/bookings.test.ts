import { test } from 'tap'
import { build } from '../../helper.js'
import { isError } from '../../fixtures/error-body.js'
import type { Booking } from '../../../schemas/booking.js'
import type { Message } from '../../../schemas/message.js'

test('bookings: happy paths', async (t) => {
  const { app } = await build(t)

  const first = await app.inject('/api/bookings')
  t.equal(first.statusCode, 200)
  const page = first.json()
  t.match(page, { limit: 20, offset: 0, count: Number })
  t.equal(page.items.length, 20)
  t.ok(page.count > 20, 'count is the total matching upstream')
  for (const b of page.items) t.match(b, { id: Number, listingMapId: Number, arrivalDate: /^\d{4}-\d{2}-\d{2}$/, departureDate: /^\d{4}-\d{2}-\d{2}$/, status: String })
  const sample: Booking = page.items[0]

  t.test('paging', async (t) => {
    const next = (await app.inject('/api/bookings?limit=5&offset=5')).json()
    t.match(next, { limit: 5, offset: 5 })
    t.same(next.items.map((b: Booking) => b.id), page.items.slice(5, 10).map((b: Booking) => b.id))
  })

  t.test('filters: listing_id, status, arrival range', async (t) => {
    const byListing = (await app.inject(`/api/bookings?listing_id=${sample.listingMapId}&limit=100`)).json()
    t.ok(byListing.items.length >= 1)
    for (const b of byListing.items) t.equal(b.listingMapId, sample.listingMapId)

    const byStatus = (await app.inject({ url: '/api/bookings', query: { status: sample.status, limit: '100' } })).json()
    t.ok(byStatus.items.length >= 1)
    for (const b of byStatus.items) t.equal(b.status, sample.status)

    const day = sample.arrivalDate
    const byArrival = await app.inject(`/api/bookings?arrival_from=${day}&arrival_to=${day}&limit=100`)
    t.equal(byArrival.statusCode, 200)
    const arrivals = byArrival.json().items as Booking[]
    t.ok(arrivals.some((b) => b.id === sample.id))
    for (const b of arrivals) t.equal(b.arrivalDate, day)
  })

  t.test('GET /api/bookings/:bookingId', async (t) => {
    const res = await app.inject(`/api/bookings/${sample.id}`)
    t.equal(res.statusCode, 200)
    t.match(res.json(), { id: sample.id, listingMapId: sample.listingMapId, guestName: String, arrivalDate: sample.arrivalDate })
  })

  t.test('GET /api/bookings/:bookingId/messages: oldest first', async (t) => {
    const res = await app.inject(`/api/bookings/${sample.id}/messages`)
    t.equal(res.statusCode, 200)
    const { items, count } = res.json() as { items: Message[], count: number }
    t.ok(count >= 1)
    t.equal(items.length, count)
    for (const m of items) t.match(m, { id: Number, body: String, isIncoming: Number, insertedOn: String, reservationId: sample.id })
    for (let i = 1; i < items.length; i++) {
      const [a, b] = [items[i - 1], items[i]]
      t.ok(a.insertedOn! < b.insertedOn! || (a.insertedOn === b.insertedOn && a.id < b.id), `message ${i} is not older than the one before`)
    }
  })
})

test('bookings: request errors are 400 naming the field', async (t) => {
  const { app } = await build(t)
  const cases: Array<[string, RegExp]> = [
    ['/api/bookings/abc', /params\/bookingId must be an integer written in plain decimal digits/],
    ['/api/bookings/0/messages', /params\/bookingId must be >= 1/],
    ['/api/bookings?limit=0', /querystring\/limit must be >= 1/],
    ['/api/bookings?limit=101', /querystring\/limit must be <= 100/],
    ['/api/bookings?listing_id=x', /querystring\/listing_id must be an integer written in plain decimal digits/],
    ['/api/bookings?status=booked', /querystring\/status must be equal to one of the allowed values/],
    ['/api/bookings?arrival_from=2027-13-01', /querystring\/arrival_from must match format "date"/],
    ['/api/bookings?departure_to=tomorrow', /querystring\/departure_to must match format "date"/],
    ['/api/bookings?arrival_from=2027-02-02&arrival_to=2027-02-01', /querystring\/arrival_to must not be before arrival_from/],
    ['/api/bookings?departure_from=2027-02-02&departure_to=2027-01-01', /querystring\/departure_to must not be before departure_from/],
    ['/api/bookings?guest=ana', /querystring\/guest is not an allowed field/]
  ]
  for (const [url, message] of cases) {
    t.equal(isError(t, await app.inject(url), 400, message).error_type, 'validation_error', url)
  }
})

test('bookings: unknown ids are 404, upstream trouble is 502 / 503 with Retry-After, API key checked', async (t) => {
  const { app, sandbox } = await build(t, { HOSTAWAY_MAX_RETRIES: '0', CACHE_TTL_MS: '0', API_KEYS: 'k1' })
  const headers = { 'x-api-key': 'k1' }

  for (const url of ['/api/bookings/999999', '/api/bookings/999999/messages']) {
    t.equal(isError(t, await app.inject({ url, headers }), 404).error_type, 'not_found', url)
  }

  await sandbox.setFaults({ fail_ids: { 500: [3], 429: [4] } })
  const broken = await app.inject({ url: '/api/bookings/3', headers })
  t.equal(isError(t, broken, 502).error_type, 'upstream_error')
  t.match(broken.headers['retry-after'], /^\d+$/)
  const limited = await app.inject({ url: '/api/bookings/4/messages', headers })
  t.equal(isError(t, limited, 503).error_type, 'rate_limit')
  t.match(limited.headers['retry-after'], /^\d+$/)

  isError(t, await app.inject('/api/bookings'), 401, /X-API-Key/)
  isError(t, await app.inject('/api/bookings/1/messages'), 401)
})
