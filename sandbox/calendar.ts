import { BLOCKING_STATUSES, nightlyPrice } from './data.js'
import { formatDay, parseDay } from './dates.js'
import { badRequest } from './errors.js'
import type { CalendarInterval, ListingsQuery } from './schemas.js'
import type { CalendarOverride, ListingRecord, ReservationRecord, SandboxData } from './types.js'

/**
 * A listing's calendar as the sandbox keeps it (the store's routes read and write it through these):
 * days generated from the listing, overridden by calendar writes, held by reservations.
 */

export interface CalendarDay { id: number, date: string, isAvailable: number, status: string, price: number, minimumStay: number, maximumStay: number, [field: string]: unknown }

/** Longest range a calendar read, write or availability filter takes (Hostaway documents none). */
export const MAX_CALENDAR_DAYS = 1096
/** The day fields a calendar write sets (calendar_calendarDayObject.md). */
const DAY_FIELDS = ['isAvailable', 'price', 'minimumStay', 'maximumStay', 'closedOnArrival', 'closedOnDeparture', 'note'] as const

export function checkRange (start: number | undefined, end: number | undefined, names: string): { start: number, end: number } {
  if (start === undefined || end === undefined) throw badRequest(`${names} must be dates (YYYY-MM-DD)`)
  if (end < start) throw badRequest(`${names}: the end must not be before the start`)
  if (end - start + 1 > MAX_CALENDAR_DAYS) throw badRequest(`${names}: the range must not exceed ${MAX_CALENDAR_DAYS} days`)
  return { start, end }
}

/** One calendar write interval, checked: its days and the fields it sets. */
function checkInterval (interval: CalendarInterval, label: string): { start: number, end: number, fields: CalendarOverride } {
  const { start, end } = checkRange(parseDay(interval.startDate), parseDay(interval.endDate), `${label}startDate and endDate`)
  if (interval.desiredUnitsToSell !== undefined && interval.desiredUnitsToSell !== null) {
    throw badRequest(`${label}desiredUnitsToSell is for multi-unit listings; use isAvailable`)
  }
  const fields: CalendarOverride = {}
  for (const key of DAY_FIELDS) {
    if (interval[key] !== undefined) Object.assign(fields, { [key]: interval[key] })
  }
  if (Object.keys(fields).length === 0) throw badRequest(`${label}nothing to update: give at least one of ${DAY_FIELDS.join(', ')}`)
  const min = fields.minimumStay
  const max = fields.maximumStay
  if (min !== undefined && max !== undefined && min > max) throw badRequest(`${label}minimumStay must not exceed maximumStay`)
  return { start, end, fields }
}

/** The days of the listings availability filter, or undefined when it is not used. */
export function availabilityRange (q: ListingsQuery): { start: number, end: number } | undefined {
  const { availabilityDateStart: from, availabilityDateEnd: to } = q
  if (from === undefined && to === undefined) return undefined
  if (from === undefined || to === undefined) throw badRequest('availabilityDateStart and availabilityDateEnd go together')
  return checkRange(parseDay(from), parseDay(to), 'availabilityDateStart and availabilityDateEnd')
}

/** The reservations of a listing that hold its calendar, with their days (departure excluded). */
export function blockingStays (data: SandboxData, listingId: number): Array<{ r: ReservationRecord, from: number, to: number }> {
  return [...data.reservations.values()]
    .filter((r) => r.listingMapId === listingId && BLOCKING_STATUSES.has(r.status))
    .map((r) => ({ r, from: parseDay(r.arrivalDate) ?? 0, to: parseDay(r.departureDate) ?? 0 }))
}

/** Days `start`..`end` of a listing: generated values, then what calendar writes set, then reservations. */
export function calendarDays (data: SandboxData, listing: ListingRecord, start: number, end: number, withReservations: boolean): CalendarDay[] {
  const stays = blockingStays(data, listing.id)
  const overrides = data.calendar.get(listing.id)
  const days: CalendarDay[] = []
  for (let d = start; d <= end; d++) {
    const covering = stays.filter((s) => s.from <= d && d < s.to)
    const reserved = covering.length > 0
    const set = overrides?.get(d) ?? {}
    // A reservation holds its days whatever a write set on them (the write still shows once it is gone).
    const blocked = !reserved && set.isAvailable === 0
    days.push({
      id: listing.id * 100_000 + (d % 100_000),
      date: formatDay(d),
      isAvailable: reserved || blocked ? 0 : 1,
      isProcessed: 1,
      status: reserved ? 'reserved' : blocked ? 'blocked' : 'available',
      price: set.price ?? nightlyPrice(listing, d),
      minimumStay: set.minimumStay ?? Number(listing.minNights),
      maximumStay: set.maximumStay ?? Number(listing.maxNights),
      closedOnArrival: set.closedOnArrival ?? null,
      closedOnDeparture: set.closedOnDeparture ?? null,
      note: set.note ?? null,
      countAvailableUnits: null,
      availableUnitsToSell: null,
      countPendingUnits: null,
      countBlockingReservations: null,
      countBlockedUnits: null,
      desiredUnitsToSell: null,
      reservations: withReservations ? covering.map((s) => s.r) : []
    })
  }
  return days
}

/** Whether every day from `start` to `end` (inclusive) is open: not reserved, not blocked by a write. */
export function freeThrough (data: SandboxData, listing: ListingRecord, start: number, end: number): boolean {
  return calendarDays(data, listing, start, end, false).every((d) => d.isAvailable === 1)
}

/**
 * PUT /listings/:id/calendar (one interval) and PUT /listings/:id/calendarIntervals (many). Every
 * interval is checked before any is applied, so a bad one rejects the whole request; intervals are
 * then applied in order (a later one wins where two overlap). Fields not given keep their value;
 * `null` clears closedOnArrival, closedOnDeparture and note. Returns the days of the intervals as
 * they read now.
 */
export function writeCalendar (data: SandboxData, listing: ListingRecord, intervals: CalendarInterval[]): CalendarDay[] {
  const checked = intervals.map((interval, i) => checkInterval(interval, intervals.length > 1 ? `intervals[${i}]: ` : ''))
  let overrides = data.calendar.get(listing.id)
  if (overrides === undefined) data.calendar.set(listing.id, overrides = new Map())
  for (const { start, end, fields } of checked) {
    for (let d = start; d <= end; d++) overrides.set(d, { ...overrides.get(d), ...fields })
  }
  return checked.flatMap(({ start, end }) => calendarDays(data, listing, start, end, false))
}
