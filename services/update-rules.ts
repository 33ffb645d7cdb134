import { LISTING_UPDATE_BOUNDS, type ListingUpdateFields } from '../schemas/listing.js'

/**
 * The per-item rules of a batch listing update (bounds in schemas/listing.ts): the first rule an
 * update breaks, as "field must …", or undefined when it keeps them all. The schema has already
 * checked the types; an item that breaks a rule fails alone and is never sent.
 */
export function brokenUpdateRule (update: ListingUpdateFields): string | undefined {
  const broken = brokenBound(update, LISTING_UPDATE_BOUNDS)
  if (broken !== undefined) return broken
  const { minNights, maxNights } = update
  if (minNights !== undefined && maxNights !== undefined && maxNights < minNights) return 'maxNights must be >= minNights'
  return undefined
}

/**
 * The first bound of `bounds` a field of `fields` breaks, as "field must …" (the words of the
 * schema's own messages), or undefined: the lengths of strings (and not blank when one is required),
 * the range of numbers. Shared by every batch update's per-item rules.
 */
export function brokenBound<B extends Readonly<Record<string, { readonly min: number, readonly max: number }>>> (fields: Partial<Record<keyof B & string, unknown>>, bounds: B): string | undefined {
  for (const field of Object.keys(bounds) as Array<keyof B & string>) {
    const value = fields[field]
    if (value === undefined) continue
    const { min, max } = bounds[field]
    if (typeof value === 'string') {
      if (value.length < min) return `${field} must NOT have fewer than ${min} characters`
      if (value.length > max) return `${field} must NOT have more than ${max} characters`
      if (min > 0 && value.trim() === '') return `${field} must not be blank`
    } else {
      // numbers (the schema checked the types)
      if ((value as number) < min) return `${field} must be >= ${min}`
      if ((value as number) > max) return `${field} must be <= ${max}`
    }
  }
  return undefined
}
