import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { Ref } from './common.js'
import { ListingSchema, CalendarDaySchema } from './listing.js'
import { BookingSchema } from './booking.js'
import { MessageSchema } from './message.js'

/**
 * Response envelopes of the read routes, each a named component (`$id`) whose items refer to
 * the shared models by `$ref`. Registered once at the root (schemas/index.ts).
 */

function PageSchema<T extends TSchema> (item: T, $id: string, what: string) {
  return Type.Object({
    items: Type.Array(Ref(item), { description: `The ${what} of this page` }),
    count: Type.Integer({ minimum: 0, description: `${what[0].toUpperCase()}${what.slice(1)} matching the query upstream, all pages together`, example: 42 }),
    limit: Type.Integer({ minimum: 0, description: 'Page size applied', example: 20 }),
    offset: Type.Integer({ minimum: 0, description: 'Items skipped', example: 0 })
  }, { $id, additionalProperties: false, description: `A page of ${what}` })
}

export const ListingPageSchema = PageSchema(ListingSchema, 'ListingPage', 'listings')
export type ListingPage = Static<typeof ListingPageSchema>

export const BookingPageSchema = PageSchema(BookingSchema, 'BookingPage', 'bookings')
export type BookingPage = Static<typeof BookingPageSchema>

export const CalendarDaysSchema = Type.Object({
  listing_id: Type.Integer({ minimum: 1, description: 'The listing', example: 1 }),
  start_date: Type.String({ format: 'date', description: 'First day asked for', example: '2027-01-01' }),
  end_date: Type.String({ format: 'date', description: 'Last day asked for (included)', example: '2027-01-31' }),
  count: Type.Integer({ minimum: 0, description: 'Days in items', example: 31 }),
  items: Type.Array(Ref(CalendarDaySchema), { description: 'One entry per day, in date order' })
}, { $id: 'CalendarDays', additionalProperties: false, description: 'The calendar of a listing for a range of days' })
export type CalendarDays = Static<typeof CalendarDaysSchema>

export const MessageListSchema = Type.Object({
  items: Type.Array(Ref(MessageSchema), { description: 'Messages of every conversation of the reservation, oldest first' }),
  count: Type.Integer({ minimum: 0, description: 'Messages in items', example: 3 })
}, { $id: 'MessageList', additionalProperties: false, description: "A reservation's conversation messages, oldest first" })
export type MessageList = Static<typeof MessageListSchema>
