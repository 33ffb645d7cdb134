import { test } from 'tap'
import { SECRET_FIELDS } from '../../schemas/secrets.js'
import { redactItems, redactResults, visibleTo } from '../../services/secrets.js'

const listing = { id: 1, name: 'Loft', doorSecurityCode: '4411', city: 'Rome', wifiUsername: 'RomeGuest', wifiPassword: 'hunter22', keyPickup: 'Lockbox 9', price: 99 }
const reader = { scopes: new Set(['read'] as const) }
const trusted = { scopes: new Set(['read', 'secrets'] as const) }

test('a caller without the secrets scope gets listings without their secret fields', async (t) => {
  const seen = visibleTo(reader).listing(listing)
  t.same(seen, { id: 1, name: 'Loft', city: 'Rome', price: 99 })
  t.same(Object.keys(seen), ['id', 'name', 'city', 'price'], 'the other fields keep their order')
  t.equal(listing.doorSecurityCode, '4411', 'the original (maybe cached) object is not changed')
  for (const field of Object.keys(SECRET_FIELDS.listing)) t.notOk(field in seen, `${field} left out`)
})

test('nothing is copied when there is nothing to hide', async (t) => {
  const plain = { id: 2, name: 'Studio' }
  t.equal(visibleTo(reader).listing(plain), plain, 'same object: no secret field')
  t.equal(visibleTo(trusted).listing(listing), listing, 'same object: the caller may see secrets')
  const page = { items: [listing], count: 1, limit: 20, offset: 0 }
  t.equal(redactItems(page, visibleTo(trusted).listing), page, 'a page is not copied for a trusted caller')
})

test('reservations lose their door codes; pages and batch results are redacted item by item', async (t) => {
  const booking = { id: 5, listingMapId: 1, doorCode: '1234', doorCodeVendor: 'acme', doorCodeInstruction: 'press #', guestName: 'Ana' }
  t.same(visibleTo(reader).booking(booking), { id: 5, listingMapId: 1, guestName: 'Ana' })
  t.same(visibleTo(trusted).booking(booking), booking)

  const page = redactItems({ items: [listing, { id: 2, name: 'Studio' }], count: 2 }, visibleTo(reader).listing)
  t.same(page.items.map((l) => Object.keys(l).filter((k) => k in SECRET_FIELDS.listing)), [[], []])
  t.equal(page.count, 2)

  const batch = {
    successful: [{ index: 0, data: listing }],
    failed: [{ index: 1, data: null }],
    total_count: 2
  }
  const redacted = redactResults(batch, visibleTo(reader).listing)
  t.same(redacted.successful[0].data, { id: 1, name: 'Loft', city: 'Rome', price: 99 })
  t.equal(redacted.failed, batch.failed, 'failures carry no data')
  t.equal(batch.successful[0].data.wifiPassword, 'hunter22', 'the batch response given is not changed')
})
