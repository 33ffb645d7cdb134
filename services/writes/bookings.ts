import { BOOKING_UPDATE_BOUNDS, type BookingUpdateField, type BookingUpdateFields } from '../../schemas/booking.js'
import { brokenBound } from '../update-rules.js'
import { dayNumber } from './days.js'

/**
 * Batch reservation updates, the pure part: the per-item rules (as listing updates have them,
 * services/update-rules.ts) and the read-merge-write merge. Hostaway's PUT /reservations/{id} takes
 * "a reservation object" and does not say that omitted fields are kept
 * (shared/notes/hostaway-writes.md (d)), so the gateway reads the reservation, merges the update
 * into it and writes the whole object back.
 */

/** operation_id of a reservation update: the reservation id. */
export function bookingOperationId (item: { booking_id: number }): string {
  return String(item.booking_id)
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

/**
 * The first per-item rule an update breaks, as "field must …" (the caller prefixes `updates/<i>/`),
 * or undefined. Only what the item itself shows is checked here; what needs the current reservation
 * (departure after arrival when only one date is given) is checked by mergeReservation.
 */
export function brokenBookingRule (fields: BookingUpdateFields): string | undefined {
  const broken = brokenBound(fields, BOOKING_UPDATE_BOUNDS)
  if (broken !== undefined) return broken
  if (fields.guestEmail !== undefined && !EMAIL.test(fields.guestEmail)) return 'guestEmail must be an e-mail address'
  for (const field of ['arrivalDate', 'departureDate'] as const) {
    const value = fields[field]
    if (value !== undefined && dayNumber(value) === undefined) return `${field} must be a real day (YYYY-MM-DD)`
  }
  const { arrivalDate, departureDate } = fields
  if (arrivalDate !== undefined && departureDate !== undefined && departureDate <= arrivalDate) return 'departureDate must be after arrivalDate'
  return partyRule(fields)
}

/** numberOfGuests holds adults + children, when the party is given (or merged) with numberOfGuests and adults. */
function partyRule (party: { numberOfGuests?: unknown, adults?: unknown, children?: unknown }): string | undefined {
  const { numberOfGuests: guests, adults, children } = party
  if (typeof guests !== 'number' || typeof adults !== 'number') return undefined
  const kids = typeof children === 'number' ? children : 0
  return guests < adults + kids ? `numberOfGuests must be >= adults + children (${adults + kids})` : undefined
}

export type MergeResult =
  | { ok: true, body: Record<string, unknown>, changed: BookingUpdateField[] }
  | { ok: false, problem: string }

/**
 * The whole reservation to PUT: `current` as Hostaway answered GET /reservations/{id} — the raw
 * upstream object, never a copy with the secret fields filtered out (the PUT would then write them
 * back empty) — with `fields` merged in. Fails (a validation_error of the item) when the merged
 * reservation breaks a rule the item alone could not show: departure not after arrival, or the
 * party not fitting numberOfGuests, where the update touched them. `changed` lists the fields whose
 * value differs from the current one; empty means nothing to write.
 */
export function mergeReservation (current: Readonly<Record<string, unknown>>, fields: BookingUpdateFields): MergeResult {
  const body: Record<string, unknown> = { ...current }
  const changed: BookingUpdateField[] = []
  for (const [field, value] of Object.entries(fields) as Array<[BookingUpdateField, unknown]>) {
    if (value === undefined) continue
    if (current[field] !== value) changed.push(field)
    body[field] = value
  }
  if (fields.arrivalDate !== undefined || fields.departureDate !== undefined) {
    const arrival = String(body.arrivalDate ?? '')
    const departure = String(body.departureDate ?? '')
    if (!(departure > arrival)) {
      const field = fields.departureDate !== undefined ? 'departureDate' : 'arrivalDate'
      return {
        ok: false,
        problem: field === 'departureDate'
          ? `departureDate must be after arrivalDate (${arrival})`
          : `arrivalDate must be before departureDate (${departure})`
      }
    }
  }
  if (fields.numberOfGuests !== undefined || fields.adults !== undefined || fields.children !== undefined) {
    const broken = partyRule(body)
    if (broken !== undefined) return { ok: false, problem: broken }
  }
  return { ok: true, body, changed }
}
