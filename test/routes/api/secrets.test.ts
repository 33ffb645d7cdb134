import { test } from 'tap'
import { SECRET_FIELDS } from '../../../schemas/secrets.js'
import { build } from '../../helper.js'

const LISTING_SECRETS = Object.keys(SECRET_FIELDS.listing)
const BOOKING_SECRETS = Object.keys(SECRET_FIELDS.booking)

/** The secret fields an object carries. */
const secretsIn = (item: Record<string, unknown>, fields: string[]) => fields.filter((f) => f in item)

test('the secrets scope: door codes and Wi-Fi credentials only for keys that have it, in every response', async (t) => {
  const { app } = await build(t, { API_KEYS: 'full-key, reader:read, ops:read+write, keeper:read+secrets' })
  const as = (key: string) => ({ 'x-api-key': key })

  const full = (await app.inject({ url: '/api/listings/1', headers: as('full-key') })).json()
  t.same(secretsIn(full, ['doorSecurityCode', 'wifiUsername', 'wifiPassword', 'keyPickup']), ['doorSecurityCode', 'wifiUsername', 'wifiPassword', 'keyPickup'],
    'a key without scopes has all of them, secrets included (the sandbox listing has every field)')
  const keeper = (await app.inject({ url: '/api/listings/1', headers: as('keeper') })).json()
  t.equal(keeper.doorSecurityCode, full.doorSecurityCode, 'read+secrets sees them')

  const reader = await app.inject({ url: '/api/listings/1', headers: as('reader') })
  t.equal(reader.statusCode, 200)
  t.same(secretsIn(reader.json(), LISTING_SECRETS), [], 'a single listing')
  t.equal(reader.json().name, full.name, 'the rest is there')
  t.notMatch(reader.body, new RegExp(full.wifiPassword), 'the Wi-Fi password appears nowhere in the body')

  const page = (await app.inject({ url: '/api/listings?limit=5', headers: as('reader') })).json()
  t.equal(page.items.length, 5)
  for (const item of page.items) t.same(secretsIn(item, LISTING_SECRETS), [], `listing ${item.id} in a page`)

  const batch = (await app.inject({ method: 'POST', url: '/api/batch/listings', headers: as('reader'), payload: { ids: [1, 2, 999999] } })).json()
  t.equal(batch.success_count, 2)
  for (const result of batch.successful) t.same(secretsIn(result.data, LISTING_SECRETS), [], `listing ${result.operation_id} in a batch`)

  const update = (await app.inject({ method: 'PATCH', url: '/api/listings/batch', headers: as('ops'), payload: { updates: [{ listing_id: 2, price: 120 }] } })).json()
  t.equal(update.successful[0].data.price, 120)
  t.same(secretsIn(update.successful[0].data, LISTING_SECRETS), [], 'an updated listing in a batch update result')

  const again = (await app.inject({ url: '/api/listings/1', headers: as('full-key') })).json()
  t.equal(again.wifiPassword, full.wifiPassword, 'the cached listing was not changed for the others')

  const booking = (await app.inject({ url: '/api/bookings/1', headers: as('full-key') })).json()
  t.same(secretsIn(booking, BOOKING_SECRETS), BOOKING_SECRETS, 'a reservation carries its door code for a full key')
  t.same(secretsIn((await app.inject({ url: '/api/bookings/1', headers: as('reader') })).json(), BOOKING_SECRETS), [], 'a single reservation')
  const bookings = (await app.inject({ url: '/api/bookings?limit=3', headers: as('reader') })).json()
  for (const item of bookings.items) t.same(secretsIn(item, BOOKING_SECRETS), [], `reservation ${item.id} in a page`)
  const bookingBatch = (await app.inject({ method: 'POST', url: '/api/batch/bookings', headers: as('reader'), payload: { ids: [1, 2] } })).json()
  for (const result of bookingBatch.successful) t.same(secretsIn(result.data, BOOKING_SECRETS), [], `reservation ${result.operation_id} in a batch`)
})

test('without API_KEYS the API is open and everyone has every scope, secrets included (today\'s behaviour)', async (t) => {
  const { app } = await build(t)
  t.type((await app.inject('/api/listings/1')).json().doorSecurityCode, 'string')
})
