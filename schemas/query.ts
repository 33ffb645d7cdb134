import { Type, type Static } from '@sinclair/typebox'
import { RESERVATION_STATUSES } from './booking.js'
import { PositiveId, StringEnum } from './common.js'

/**
 * Path parameters and querystrings of the read routes. Querystrings reject unknown fields
 * (`additionalProperties: false`): a misspelt filter is a 400, never a silently ignored one.
 * Integers are plain decimal digits within their bounds (app.ts checks the digits before the
 * schema converts them: `0x10`, `1e3`, `Infinity` are 400). A field with a `default` is filled in
 * when absent, so the OpenAPI document shows it as optional (plugins/external/swagger.ts).
 * They carry no `$id`: @fastify/swagger turns them into OpenAPI `parameters`, not components.
 */

/** Longest calendar range one request may ask for (days, both ends included). */
export const MAX_CALENDAR_DAYS = 366

const DateParam = (description: string) =>
  Type.String({ format: 'date', description: `${description} (YYYY-MM-DD)`, examples: ['2027-01-15'] })

/** The largest `offset` accepted. */
const MAX_OFFSET = 10_000_000

const pageFields = {
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Items per page (1..100)' }),
  offset: Type.Integer({ minimum: 0, maximum: MAX_OFFSET, default: 0, description: `Items to skip (0..${MAX_OFFSET})` })
}

/** The query string of a route that takes no parameter: any parameter is a 400, never silently ignored. */
export const NoQuerySchema = Type.Object({}, { additionalProperties: false })

export const ListingParamsSchema = Type.Object({
  listingId: PositiveId('Hostaway listing id')
}, { additionalProperties: false })
export type ListingParams = Static<typeof ListingParamsSchema>

export const BookingParamsSchema = Type.Object({
  bookingId: PositiveId('Hostaway reservation id')
}, { additionalProperties: false })
export type BookingParams = Static<typeof BookingParamsSchema>

export const ListListingsQuerySchema = Type.Object({
  ...pageFields,
  city: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Only listings in this city', examples: ['Lisbon'] })),
  match: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Only listings whose name matches this text', examples: ['loft'] }))
}, { additionalProperties: false })
export type ListListingsQuery = Static<typeof ListListingsQuerySchema>

export const CalendarQuerySchema = Type.Object({
  start_date: DateParam('First day'),
  end_date: DateParam(`Last day, included; not before start_date, at most ${MAX_CALENDAR_DAYS} days in all`)
}, { additionalProperties: false })
export type CalendarQuery = Static<typeof CalendarQuerySchema>

export const ReservationStatusSchema = StringEnum(RESERVATION_STATUSES, { description: 'Hostaway reservation status' })

export const SearchBookingsQuerySchema = Type.Object({
  listing_id: Type.Optional(PositiveId('Only reservations of this listing')),
  arrival_from: Type.Optional(DateParam('Arrival on or after this day')),
  arrival_to: Type.Optional(DateParam('Arrival on or before this day')),
  departure_from: Type.Optional(DateParam('Departure on or after this day')),
  departure_to: Type.Optional(DateParam('Departure on or before this day')),
  status: Type.Optional(ReservationStatusSchema),
  ...pageFields
}, { additionalProperties: false })
export type SearchBookingsQuery = Static<typeof SearchBookingsQuerySchema>

const DAY_MS = 86_400_000

/** Days from `start` to `end`, both included (YYYY-MM-DD, already format-checked); 0 when end < start. */
export function daysInRange (start: string, end: string): number {
  const diff = Date.parse(`${end}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)
  return diff < 0 ? 0 : Math.round(diff / DAY_MS) + 1
}
