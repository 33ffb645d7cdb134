import { Type, type Static } from '@sinclair/typebox'
import { Nullable } from './common.js'
import { SECRET_FIELDS, secretProperties } from './secrets.js'

/** Hostaway reservation statuses (reservation_reservationStatuses.md). */
export const RESERVATION_STATUSES = [
  'new', 'modified', 'cancelled', 'ownerStay', 'pending', 'awaitingPayment', 'declined', 'expired',
  'unconfirmed', 'awaitingGuestVerification', 'inquiry', 'inquiryPreapproved', 'inquiryDenied',
  'inquiryTimedout', 'inquiryNotPossible', 'unknown'
] as const

/**
 * A Hostaway reservation ("booking" in our API), with Hostaway's own field names.
 * The fields clients need are typed and documented; every other field is passed through.
 */
export const BookingSchema = Type.Object({
  id: Type.Integer({ description: 'Hostaway reservation id', example: 1 }),
  listingMapId: Type.Integer({ description: 'Id of the listing booked', example: 1 }),
  channelName: Type.Optional(Nullable(Type.String({ description: 'Booking channel', example: 'airbnb' }))),
  guestName: Type.Optional(Nullable(Type.String({ description: 'Guest full name', example: 'Ana Silva' }))),
  guestEmail: Type.Optional(Nullable(Type.String({ description: 'Guest e-mail' }))),
  numberOfGuests: Type.Optional(Nullable(Type.Integer({ description: 'Guests', example: 2 }))),
  arrivalDate: Type.String({ format: 'date', description: 'Arrival day (YYYY-MM-DD)', example: '2027-01-15' }),
  departureDate: Type.String({ format: 'date', description: 'Departure day (YYYY-MM-DD)', example: '2027-01-18' }),
  status: Type.String({ description: 'Reservation status (Hostaway statuses: new, modified, cancelled, …)', example: 'new' }),
  totalPrice: Type.Optional(Nullable(Type.Number({ description: 'Total price', example: 360 }))),
  currency: Type.Optional(Nullable(Type.String({ description: 'ISO 4217 currency code', example: 'EUR' }))),
  ...secretProperties(SECRET_FIELDS.booking)
}, {
  $id: 'Booking',
  additionalProperties: true,
  description: 'A Hostaway reservation (Hostaway field names; fields not listed here are passed through, except the secret ones for keys without the "secrets" scope)'
})
export type Booking = Static<typeof BookingSchema>
