import { test } from 'tap'
import { build } from '../../helper.js'
import { isError } from '../../fixtures/error-body.js'

test('listings: happy paths', async (t) => {
  const { app } = await build(t)

  t.test('GET /api/listings pages with limit and offset', async (t) => {
    const first = await app.inject('/api/listings')
    t.equal(first.statusCode, 200)
    const page = first.json()
    t.match(page, { limit: 20, offset: 0 })
    t.equal(page.items.length, 20)
    t.ok(page.count >= page.items.length, 'count is the total matching upstream')
    for (const item of page.items) t.match(item, { id: Number, name: String })

    const second = (await app.inject('/api/listings?limit=5&offset=5')).json()
    t.match(second, { limit: 5, offset: 5 })
    t.equal(second.items.length, 5)
    t.same(second.items.map((l: { id: number }) => l.id), page.items.slice(5, 10).map((l: { id: number }) => l.id), 'offset skips the first page')
  })

  t.test('GET /api/listings filters by city', async (t) => {
    const one = (await app.inject('/api/listings/1')).json()
    const res = await app.inject({ url: '/api/listings', query: { city: one.city, limit: '100' } })
    t.equal(res.statusCode, 200)
    const { items, count } = res.json()
    t.ok(items.length >= 1)
    t.equal(count, items.length)
    t.ok(items.some((l: { id: number }) => l.id === 1))
    for (const item of items) t.equal(item.city, one.city)
  })

  t.test('GET /api/listings/:listingId returns the listing with Hostaway field names', async (t) => {
    const res = await app.inject('/api/listings/1')
    t.equal(res.statusCode, 200)
    const listing = res.json()
    t.match(listing, { id: 1, name: String, city: String, personCapacity: Number, currencyCode: String })
    t.ok(listing.name.length > 0)
  })

  t.test('GET /api/listings/:listingId/calendar returns one day per date, both ends included', async (t) => {
    const res = await app.inject('/api/listings/1/calendar?start_date=2027-02-25&end_date=2027-03-06')
    t.equal(res.statusCode, 200)
    const body = res.json()
    t.match(body, { listing_id: 1, start_date: '2027-02-25', end_date: '2027-03-06', count: 10 })
    t.equal(body.items.length, 10)
    t.equal(body.items[0].date, '2027-02-25')
    t.equal(body.items[9].date, '2027-03-06')
    for (const day of body.items) t.match(day, { date: /^\d{4}-\d{2}-\d{2}$/, isAvailable: Number })

    const single = (await app.inject('/api/listings/1/calendar?start_date=2027-01-01&end_date=2027-01-01')).json()
    t.equal(single.count, 1)

    const leapYear = (await app.inject('/api/listings/1/calendar?start_date=2028-01-01&end_date=2028-12-31')).json()
    t.equal(leapYear.count, 366, 'exactly 366 days is allowed')
  })
})

test('listings: request errors are 400 naming the field', async (t) => {
  const { app } = await build(t)
  const cases: Array<[string, RegExp]> = [
    ['/api/listings/abc', /params\/listingId must be an integer written in plain decimal digits/],
    ['/api/listings/0', /params\/listingId must be >= 1/],
    ['/api/listings/-3/calendar?start_date=2027-01-01&end_date=2027-01-02', /params\/listingId/],
    ['/api/listings?limit=0', /querystring\/limit must be >= 1/],
    ['/api/listings?limit=101', /querystring\/limit must be <= 100/],
    ['/api/listings?offset=-1', /querystring\/offset must be >= 0/],
    ['/api/listings?sort=name', /querystring\/sort is not an allowed field/],
    ['/api/listings/1/calendar?start_date=2027-01-01', /querystring\/end_date is required/],
    ['/api/listings/1/calendar?start_date=2027-02-30&end_date=2027-03-02', /querystring\/start_date must match format "date"/],
    ['/api/listings/1/calendar?start_date=2027-01-01&end_date=01/02/2027', /querystring\/end_date must match format "date"/],
    ['/api/listings/1/calendar?start_date=2027-01-10&end_date=2027-01-09', /querystring\/end_date must not be before start_date/],
    ['/api/listings/1/calendar?start_date=2027-01-01&end_date=2028-01-02', /querystring\/end_date must be at most 366 days/],
    ['/api/listings/1/calendar?start_date=2027-01-01&end_date=2027-01-02&foo=1', /querystring\/foo is not an allowed field/]
  ]
  for (const [url, message] of cases) {
    const body = isError(t, await app.inject(url), 400, message)
    t.equal(body.error_type, 'validation_error', url)
  }
})

test('strict numbers: integers in paths and queries are plain decimal digits within bounds, else 400 before any upstream call', async (t) => {
  const { app, sandbox } = await build(t)
  const before = (await sandbox.stats()).requests.total
  const cases: Array<[string, RegExp]> = [
    ['/api/listings/0x10', /^params\/listingId must be an integer written in plain decimal digits$/],
    ['/api/listings/1e1', /^params\/listingId must be an integer/],
    ['/api/listings/%201', /^params\/listingId must be an integer/],
    ['/api/listings/1.0', /^params\/listingId must be an integer/],
    ['/api/listings/Infinity/calendar?start_date=2027-01-01&end_date=2027-01-02', /^params\/listingId must be an integer/],
    ['/api/listings/9007199254740992', /^params\/listingId must be <= 9007199254740991$/],
    ['/api/listings?limit=Infinity', /^querystring\/limit must be an integer/],
    ['/api/listings?limit=1e309', /^querystring\/limit must be an integer/],
    ['/api/listings?limit=+5', /^querystring\/limit must be an integer/],
    ['/api/listings?limit=', /^querystring\/limit must be an integer/],
    ['/api/listings?offset=Infinity', /^querystring\/offset must be an integer/],
    ['/api/listings?offset=1e23', /^querystring\/offset must be an integer/],
    ['/api/listings?offset=100000000000000000000000', /^querystring\/offset must be <= 10000000$/],
    ['/api/bookings?listing_id=0x1', /^querystring\/listing_id must be an integer/],
    ['/api/bookings/1e3/messages', /^params\/bookingId must be an integer/]
  ]
  for (const [url, message] of cases) isError(t, await app.inject(url), 400, message)
  t.equal((await sandbox.stats()).requests.total, before, 'nothing was sent upstream')
  const ok = await app.inject('/api/listings?limit=007&offset=0')
  t.equal(ok.statusCode, 200, 'leading zeros are still plain digits')
  t.match(ok.json(), { limit: 7, offset: 0 })
})

test('listings: unknown ids are 404 with the error schema', async (t) => {
  const { app } = await build(t)
  for (const url of ['/api/listings/999999', '/api/listings/999999/calendar?start_date=2027-01-01&end_date=2027-01-02']) {
    const body = isError(t, await app.inject(url), 404)
    t.equal(body.error_type, 'not_found', url)
    t.same(Object.keys(body).sort(), ['error', 'error_type', 'message', 'request_id', 'statusCode'])
  }
})

test('listings: upstream trouble is 502 / 503 with Retry-After', async (t) => {
  const { app, sandbox } = await build(t, { HOSTAWAY_MAX_RETRIES: '0', CACHE_TTL_MS: '0' })
  await sandbox.setFaults({ fail_ids: { 500: [3], 429: [4] } })

  const broken = await app.inject('/api/listings/3')
  const body = isError(t, broken, 502)
  t.equal(body.error_type, 'upstream_error')
  t.match(broken.headers['retry-after'], /^\d+$/)
  t.notMatch(body.message, /Bearer|sandbox-secret/, 'no secret in the message')

  const limited = await app.inject('/api/listings/4')
  t.equal(isError(t, limited, 503).error_type, 'rate_limit')
  t.match(limited.headers['retry-after'], /^\d+$/)

  t.equal((await app.inject('/api/listings/1')).statusCode, 200, 'other ids are unaffected')
})

test('listings: API key required when API_KEYS is set', async (t) => {
  const { app } = await build(t, { API_KEYS: 'key-one,key-two' })
  isError(t, await app.inject('/api/listings/1'), 401, /X-API-Key/)
  isError(t, await app.inject({ url: '/api/listings/1', headers: { 'x-api-key': 'wrong' } }), 401)
  const ok = await app.inject({ url: '/api/listings/1', headers: { 'x-api-key': 'key-two' } })
  t.equal(ok.statusCode, 200)
  // the same key as a bearer token, as on /mcp and /metrics: one rule for every keyed route
  t.equal((await app.inject({ url: '/api/listings/1', headers: { authorization: 'Bearer key-two' } })).statusCode, 200, 'Authorization: Bearer')
  isError(t, await app.inject({ url: '/api/listings/1', headers: { authorization: 'Bearer wrong' } }), 401, /Authorization: Bearer/)
  isError(t, await app.inject({ url: '/api/listings/1', headers: { authorization: 'Basic a2V5LXR3bzo=' } }), 401)
})
