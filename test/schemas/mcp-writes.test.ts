import { test } from 'tap'
import { boundsText, BookingUpdateArgsSchema } from '../../schemas/mcp-writes.js'
import { BOOKING_UPDATE_BOUNDS, BookingUpdateFieldsSchema } from '../../schemas/booking.js'
import { LISTING_UPDATE_BOUNDS } from '../../schemas/listing.js'

test('boundsText: each bound once, fields with the same rule together, units only where they add something', async (t) => {
  t.equal(boundsText({ a: { min: 0, max: 5, unit: 'characters' }, b: { min: 0, max: 5, unit: 'characters' }, c: { min: 1, max: 9, unit: 'guests' } }), 'a, b 0..5 chars; c 1..9')
  t.equal(boundsText({ n: { min: 1, max: 1125, unit: 'nights, not above m' } }), 'n 1..1125, not above m')
  t.equal(boundsText({ x: { min: 1, max: 2 } }), 'x 1..2')
  const listing = boundsText(LISTING_UPDATE_BOUNDS)
  for (const [field, { min, max }] of Object.entries(LISTING_UPDATE_BOUNDS)) t.match(listing, new RegExp(`\\b${field}\\b[^;]* ${min}\\.\\.${max}\\b`), `${field}: ${min}..${max}`)
  const booking = boundsText(BOOKING_UPDATE_BOUNDS)
  for (const [field, { min, max }] of Object.entries(BOOKING_UPDATE_BOUNDS)) t.match(booking, new RegExp(`\\b${field}\\b[^;]* ${min}\\.\\.${max}\\b`), `${field}: ${min}..${max}`)
})

test('an update item of a tool: every field of the REST item, typed, its bounds said once in its description', async (t) => {
  const item = BookingUpdateArgsSchema(100, 30_000, 86_400_000).properties.updates.items as unknown as { properties: Record<string, { description?: string, type: string }>, description: string, additionalProperties: boolean, minProperties: number }
  t.same(Object.keys(item.properties), ['booking_id', ...Object.keys(BookingUpdateFieldsSchema.properties)])
  t.same(Object.values(item.properties).filter((p) => p.description !== undefined), [], 'no per-field text')
  t.match(item, { additionalProperties: false, minProperties: 2 }, 'unknown fields and empty updates still refused')
  t.match(item.description, /guestEmail 3\.\.255 chars, an e-mail address/)
})
