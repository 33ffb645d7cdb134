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

/** Bounds of the reservation fields a batch update may change (services/writes/booking-rules.ts). */
export const BOOKING_UPDATE_BOUNDS = {
  guestName: { min: 1, max: 255, unit: 'characters, not blank' },
  guestFirstName: { min: 1, max: 255, unit: 'characters, not blank' },
  guestLastName: { min: 1, max: 255, unit: 'characters, not blank' },
  guestEmail: { min: 3, max: 255, unit: 'characters, an e-mail address' },
  phone: { min: 3, max: 50, unit: 'characters' },
  guestAddress: { min: 0, max: 500, unit: 'characters' },
  guestCity: { min: 0, max: 255, unit: 'characters' },
  guestCountry: { min: 0, max: 255, unit: 'characters' },
  guestZipCode: { min: 0, max: 50, unit: 'characters' },
  numberOfGuests: { min: 1, max: 100, unit: 'guests, at least adults + children when those are given' },
  adults: { min: 1, max: 100, unit: 'adults' },
  children: { min: 0, max: 100, unit: 'children' },
  infants: { min: 0, max: 100, unit: 'infants' },
  pets: { min: 0, max: 100, unit: 'pets' },
  checkInTime: { min: 0, max: 23, unit: 'hour of the day' },
  checkOutTime: { min: 0, max: 23, unit: 'hour of the day' },
  hostNote: { min: 0, max: 10_000, unit: 'characters' },
  guestNote: { min: 0, max: 10_000, unit: 'characters' },
  comment: { min: 0, max: 10_000, unit: 'characters' },
  doorCode: { min: 0, max: 100, unit: 'characters' },
  doorCodeInstruction: { min: 0, max: 10_000, unit: 'characters' }
} as const
export type BookingBoundedField = keyof typeof BOOKING_UPDATE_BOUNDS

export const BOOKING_UPDATE_RULES_TEXT = 'Per-item rules: every field within the bounds its description gives, guestEmail an e-mail address, ' +
  'departureDate after arrivalDate (checked against the current reservation when only one is given), numberOfGuests >= adults + children when given together. ' +
  'An item that breaks a rule fails alone as validation_error naming the field, with attempts 0; the other items proceed. ' +
  "Hostaway's update takes a whole reservation: the gateway reads it, merges these fields and writes it back."

function bounded (field: BookingBoundedField, what: string) {
  const { min, max, unit } = BOOKING_UPDATE_BOUNDS[field]
  return { description: `${what}: ${min}..${max} ${unit} (a per-item rule)` }
}
const Str = (field: BookingBoundedField, what: string) => Type.Optional(Type.String(bounded(field, what)))
const Int = (field: BookingBoundedField, what: string) => Type.Optional(Type.Integer(bounded(field, what)))

/** Reservation fields a batch update may change, with Hostaway's names. Status, listing and money are not among them. */
export const BookingUpdateFieldsSchema = Type.Object({
  guestName: Str('guestName', 'Guest full name'),
  guestFirstName: Str('guestFirstName', 'Guest first name'),
  guestLastName: Str('guestLastName', 'Guest last name'),
  guestEmail: Str('guestEmail', 'Guest e-mail'),
  phone: Str('phone', 'Guest phone'),
  guestAddress: Str('guestAddress', 'Guest address'),
  guestCity: Str('guestCity', 'Guest city'),
  guestCountry: Str('guestCountry', 'Guest country'),
  guestZipCode: Str('guestZipCode', 'Guest zip code'),
  numberOfGuests: Int('numberOfGuests', 'Guests'),
  adults: Int('adults', 'Adults'),
  children: Int('children', 'Children'),
  infants: Int('infants', 'Infants'),
  pets: Int('pets', 'Pets'),
  arrivalDate: Type.Optional(Type.String({ format: 'date', description: 'Arrival day (YYYY-MM-DD); before departureDate (a per-item rule)' })),
  departureDate: Type.Optional(Type.String({ format: 'date', description: 'Departure day (YYYY-MM-DD); after arrivalDate (a per-item rule)' })),
  checkInTime: Int('checkInTime', 'Check-in hour'),
  checkOutTime: Int('checkOutTime', 'Check-out hour'),
  hostNote: Str('hostNote', 'Note for the host team'),
  guestNote: Str('guestNote', "The guest's note"),
  comment: Str('comment', 'Internal comment'),
  doorCode: Str('doorCode', 'Door code'),
  doorCodeInstruction: Str('doorCodeInstruction', 'How to use the door code')
}, { additionalProperties: false })
export type BookingUpdateFields = Static<typeof BookingUpdateFieldsSchema>
export type BookingUpdateField = keyof BookingUpdateFields
