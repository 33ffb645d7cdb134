import { LISTING_UPDATE_BOUNDS, type ListingUpdateFields, type UpdatableField } from '../schemas/listing.js'

/**
 * The per-item rules of a batch listing update (bounds in schemas/listing.ts): the first rule an
 * update breaks, as "field must …", or undefined when it keeps them all. The schema has already
 * checked the types; an item that breaks a rule fails alone and is never sent.
 */
export function brokenUpdateRule (update: ListingUpdateFields): string | undefined {
  for (const field of Object.keys(LISTING_UPDATE_BOUNDS) as UpdatableField[]) {
    const value = update[field]
    if (value === undefined) continue
    const { min, max } = LISTING_UPDATE_BOUNDS[field]
    if (typeof value === 'string') {
      if (value.length < min) return `${field} must NOT have fewer than ${min} characters`
      if (value.length > max) return `${field} must NOT have more than ${max} characters`
      if (min > 0 && value.trim() === '') return `${field} must not be blank`
    } else {
      if (value < min) return `${field} must be >= ${min}`
      if (value > max) return `${field} must be <= ${max}`
    }
  }
  const { minNights, maxNights } = update
  if (minNights !== undefined && maxNights !== undefined && maxNights < minNights) return 'maxNights must be >= minNights'
  return undefined
}
