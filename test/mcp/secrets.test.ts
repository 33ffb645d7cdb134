import { test } from 'tap'
import { SECRET_FIELDS } from '../../schemas/secrets.js'
import { serve } from './helper.js'

// The MCP tools take the same path as the REST routes (services/operations.ts): the secret fields
// are left out, when the result is read, for a key without the `secrets` scope — in single items,
// pages, batch results and a replayed batch update, and whether the object came from Hostaway or
// from the cache a key with the scope filled.

const SECRETS = [...Object.keys(SECRET_FIELDS.listing), ...Object.keys(SECRET_FIELDS.booking)]

test('MCP tools: no secret field for a key without the secrets scope, whatever the tool and wherever the object comes from', async (t) => {
  const { connect } = await serve(t, { API_KEYS: 'full-key, ops:read+write' })
  const full = await connect({ headers: { 'x-api-key': 'full-key' } })
  const ops = await connect({ headers: { 'x-api-key': 'ops' } })

  // a key with every scope reads first: the cache holds the whole objects
  const listing = (await full.callTool({ name: 'get_listing', arguments: { listing_id: 1 } })).structuredContent as Record<string, unknown>
  const booking = (await full.callTool({ name: 'get_booking', arguments: { booking_id: 1 } })).structuredContent as Record<string, unknown>
  t.type(listing.doorSecurityCode, 'string', 'the full key sees the door code')
  t.type(booking.doorCode, 'string', 'and the reservation\'s')
  const values = [listing.doorSecurityCode, listing.wifiPassword, listing.keyPickup, booking.doorCode].map(String)

  const calls: Array<[string, Record<string, unknown>]> = [
    ['get_listing', { listing_id: 1 }],
    ['list_listings', { limit: 5 }],
    ['get_booking', { booking_id: 1 }],
    ['search_bookings', { limit: 3 }],
    ['batch_get_listings', { ids: [1, 2] }],
    ['batch_get_bookings', { ids: [1, 2] }],
    ['batch_update_listings', { updates: [{ listing_id: 1, price: 111 }], idempotency_key: 'mcp-secrets' }],
    ['batch_update_listings', { updates: [{ listing_id: 1, price: 111 }], idempotency_key: 'mcp-secrets' }]
  ]
  for (const [name, args] of calls) {
    const result = await ops.callTool({ name, arguments: args })
    t.notOk(result.isError, `${name}: answered`)
    const text = JSON.stringify(result)
    t.same(SECRETS.filter((field) => text.includes(`"${field}"`) || text.includes(`\\"${field}\\"`)), [], `${name}: no secret field`)
    t.same(values.filter((value) => text.includes(value)), [], `${name}: no secret value`)
  }
})
