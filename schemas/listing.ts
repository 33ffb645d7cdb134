import { Type, type Static } from '@sinclair/typebox'
import { Nullable } from './common.js'
import { SECRET_FIELDS, secretProperties } from './secrets.js'

/**
 * A Hostaway listing, with Hostaway's own field names. The fields clients need are typed and
 * documented; every other field Hostaway sends is passed through unchanged, except the secret
 * ones (schemas/secrets.ts), which only keys with the `secrets` scope see.
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
  timeZoneName: Type.Optional(Nullable(Type.String({ description: 'IANA time zone of the listing', example: 'Europe/Lisbon' }))),
  ...secretProperties(SECRET_FIELDS.listing)
}, {
  $id: 'Listing',
  additionalProperties: true,
  description: 'A Hostaway listing (Hostaway field names; fields not listed here are passed through, except the secret ones for keys without the "secrets" scope)'
})
export type Listing = Static<typeof ListingSchema>

/**
 * The bounds of the fields a batch update may change. They are checked item by item
 * (services/update-rules.ts): an item that breaks one fails alone, as `validation_error` naming
 * the field, and is never sent; the other items proceed. The schema checks only the types.
 */
export const LISTING_UPDATE_BOUNDS = {
  name: { min: 1, max: 255, unit: 'characters, not blank' },
  price: { min: 0, max: 1_000_000, unit: 'in the listing currency' },
  personCapacity: { min: 1, max: 100, unit: 'guests' },
  bedroomsNumber: { min: 0, max: 100, unit: 'bedrooms' },
  bathroomsNumber: { min: 0, max: 100, unit: 'bathrooms' },
  minNights: { min: 1, max: 1125, unit: 'nights, not above maxNights' },
  maxNights: { min: 1, max: 1125, unit: 'nights, not below minNights' },
  cleaningFee: { min: 0, max: 100_000, unit: 'in the listing currency' },
  description: { min: 0, max: 10_000, unit: 'characters' },
  houseRules: { min: 0, max: 10_000, unit: 'characters' }
} as const
export type UpdatableField = keyof typeof LISTING_UPDATE_BOUNDS

/** The per-item rules, as the batch update's schema description states them. */
export const LISTING_UPDATE_RULES_TEXT = 'Per-item rules: every field within the bounds its description gives, and minNights <= maxNights when both are given. ' +
  'An item that breaks a rule fails alone as validation_error naming the field (e.g. "updates/3/maxNights must be >= minNights"), ' +
  'with attempts 0 and nothing sent upstream; the other items proceed.'

function bounded (field: UpdatableField, what: string) {
  const { min, max, unit } = LISTING_UPDATE_BOUNDS[field]
  return { description: `${what}: ${min}..${max} ${unit} (a per-item rule)` }
}

/** Fields a batch update may change, with Hostaway's names. At least one is required. */
export const ListingUpdateFieldsSchema = Type.Object({
  name: Type.Optional(Type.String(bounded('name', 'Listing name'))),
  price: Type.Optional(Type.Number(bounded('price', 'Base nightly price'))),
  personCapacity: Type.Optional(Type.Integer(bounded('personCapacity', 'Maximum number of guests'))),
  bedroomsNumber: Type.Optional(Type.Integer(bounded('bedroomsNumber', 'Number of bedrooms'))),
  bathroomsNumber: Type.Optional(Type.Number(bounded('bathroomsNumber', 'Number of bathrooms'))),
  minNights: Type.Optional(Type.Integer(bounded('minNights', 'Minimum nights of a stay'))),
  maxNights: Type.Optional(Type.Integer(bounded('maxNights', 'Maximum nights of a stay'))),
  cleaningFee: Type.Optional(Type.Number(bounded('cleaningFee', 'Cleaning fee per stay'))),
  description: Type.Optional(Type.String(bounded('description', 'Listing description'))),
  houseRules: Type.Optional(Type.String(bounded('houseRules', 'House rules')))
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
