import { SECRET_FIELDS } from '../schemas/secrets.js'
import type { Caller } from './auth.js'

/** A data object without the given fields. */
export type Redactor = <T extends object>(item: T) => T

/** Leaves an item as it is: what a reader with the `secrets` scope sees, and data without secret fields. */
export const keep: Redactor = (item) => item

/**
 * Returns `item` itself when it holds none of `fields`, else a shallow copy without them (the
 * original, maybe cached, is never changed). The copy of an object is made once and reused, so a
 * cached listing stays one object per variant (its JSON is written once: services/batch-json.ts).
 */
function without (fields: ReadonlySet<string>): Redactor {
  const copies = new WeakMap<object, object>()
  return (item) => {
    const known = copies.get(item)
    if (known !== undefined) return known as typeof item
    let found = false
    for (const field of fields) {
      if (Object.hasOwn(item, field)) {
        found = true
        break
      }
    }
    if (!found) return item
    // a fresh object with the same key order, never `delete` (it would slow down serialization)
    const copy: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(item)) if (!fields.has(key)) copy[key] = value
    copies.set(item, copy)
    return copy as typeof item
  }
}

const LISTING = without(new Set(Object.keys(SECRET_FIELDS.listing)))
const BOOKING = without(new Set(Object.keys(SECRET_FIELDS.booking)))

/**
 * What a caller may see of listings and reservations: everything with the `secrets` scope, else
 * the objects without their secret fields (schemas/secrets.ts). Cheap: one scope check per
 * operation, and no copy of an object that holds no secret field.
 */
export function visibleTo (caller: Pick<Caller, 'scopes'>): { listing: Redactor, booking: Redactor } {
  return caller.scopes.has('secrets') ? { listing: keep, booking: keep } : { listing: LISTING, booking: BOOKING }
}

/** A page or a list with every item passed through `redact` (the same object when nothing changed). */
export function redactItems<P extends { items: T[] }, T extends object> (page: P, redact: Redactor): P {
  return redact === keep ? page : { ...page, items: page.items.map(redact) }
}

/** A batch response with the data of every success passed through `redact`. */
export function redactResults<R extends { successful: Array<{ data: T | null }> }, T extends object> (response: R, redact: Redactor): R {
  if (redact === keep) return response
  return { ...response, successful: response.successful.map((result) => result.data === null ? result : { ...result, data: redact(result.data) }) }
}
