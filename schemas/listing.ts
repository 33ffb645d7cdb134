import { Type, type Static } from '@sinclair/typebox'
import { Nullable } from './common.js'

/**
 * A Hostaway listing, with Hostaway's own field names. The fields clients need are typed and
 * documented; every other field Hostaway sends is passed through unchanged.
 */
export const ListingSchema = Type.Object({
  id: Type.Integer({ description: 'Hostaway listing id', example: 1 }),
  name: Type.String({ description: 'Listing name', example: 'Sunny loft near the old harbour' }),
  city: Type.Optional(Nullable(Type.String({ description: 'City', example: 'Lisbon' }))),
  countryCode: Type.Optional(Nullable(Type.String({ description: 'ISO 3166 country code', example: 'PT' }))),
  address: Type.Optional(Nullable(Type.String({ description: 'Full address' }))),
  price: Type.Optional(Nullable(Type.Number({ description: 'Base nightly price in currencyCode', example: 120.5 }))),
  personCapacity: Type.Optional(Nullable(Type.Integer({ description: 'Maximum number of guests', example: 4 }))),
  bedroomsNumber: Type.Optional(Nullable(Type.Integer({ description: 'Number of bedrooms', example: 2 }))),
  bathroomsNumber: Type.Optional(Nullable(Type.Number({ description: 'Number of bathrooms', example: 1 }))),
  currencyCode: Type.Optional(Nullable(Type.String({ description: 'ISO 4217 currency code', example: 'EUR' }))),
  timeZoneName: Type.Optional(Nullable(Type.String({ description: 'IANA time zone of the listing', example: 'Europe/Lisbon' })))
}, {
  $id: 'Listing',
  additionalProperties: true,
  description: 'A Hostaway listing (Hostaway field names; fields not listed here are passed through)'
})
export type Listing = Static<typeof ListingSchema>

/** Fields a batch update may change, with Hostaway's names. At least one is required. */
export const ListingUpdateFieldsSchema = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  price: Type.Optional(Type.Number({ minimum: 0 })),
  personCapacity: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  bedroomsNumber: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
  bathroomsNumber: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  minNights: Type.Optional(Type.Integer({ minimum: 1 })),
  maxNights: Type.Optional(Type.Integer({ minimum: 1 })),
  cleaningFee: Type.Optional(Type.Number({ minimum: 0 })),
  description: Type.Optional(Type.String({ maxLength: 10000 })),
  houseRules: Type.Optional(Type.String({ maxLength: 10000 }))
}, { additionalProperties: false })
export type ListingUpdateFields = Static<typeof ListingUpdateFieldsSchema>

/** One calendar day of a listing (Hostaway field names, others passed through). */
export const CalendarDaySchema = Type.Object({
  id: Type.Optional(Type.Integer({ description: 'Calendar day id' })),
  date: Type.String({ format: 'date', description: 'The day (YYYY-MM-DD)', example: '2027-01-15' }),
  isAvailable: Type.Integer({ description: '1 when the day can be booked, 0 otherwise', example: 1 }),
  status: Type.Optional(Type.String({ description: 'available, reserved, blocked, …', example: 'available' })),
  price: Type.Optional(Nullable(Type.Number({ description: 'Nightly price for the day', example: 120 }))),
  minimumStay: Type.Optional(Nullable(Type.Integer({ description: 'Minimum nights for stays starting that day', example: 2 }))),
  maximumStay: Type.Optional(Nullable(Type.Integer({ description: 'Maximum nights', example: 30 })))
}, { $id: 'CalendarDay', additionalProperties: true, description: 'One day of a listing calendar' })
export type CalendarDay = Static<typeof CalendarDaySchema>
