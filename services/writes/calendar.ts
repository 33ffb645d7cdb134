import type { PlannedCall } from '../../schemas/dry-run.js'
import {
  CALENDAR_MAX_YEARS_AHEAD, CALENDAR_UPDATE_BOUNDS, type CalendarUpdateField, type CalendarUpdateItem, type CalendarUpdateResult
} from '../../schemas/writes.js'
import { addYears, daysBetween, dayNumber } from './days.js'

/**
 * Batch calendar updates, the pure part: the per-item rules, the overlap rule across items, and the
 * plan of upstream calls (shared/notes/hostaway-writes.md (a), (b)). Nothing here sends anything.
 */

/** Hostaway's documented maximum of intervals in one PUT /listings/{id}/calendarIntervals. */
export const MAX_INTERVALS_PER_CALL = 200

/** The fields besides the dates, in the order the rules check them. */
const FIELDS: readonly CalendarUpdateField[] = ['price', 'is_available', 'minimum_stay', 'maximum_stay', 'closed_on_arrival', 'closed_on_departure', 'note']

/** An item of the batch with its position in the request. */
export interface Indexed<T> {
  index: number
  item: T
}

/** operation_id of a calendar update: its listing and its index ("12/3": listing 12, updates/3). */
export function calendarOperationId (item: Pick<CalendarUpdateItem, 'listing_id'>, index: number): string {
  return `${item.listing_id}/${index}`
}

/**
 * The first per-item rule an update breaks, as "field must …" (the caller prefixes `updates/<i>/`),
 * or undefined. `today` is the current UTC day (YYYY-MM-DD), injected so the rule is testable.
 */
export function brokenCalendarRule (item: CalendarUpdateItem, today: string): string | undefined {
  const start = dayNumber(item.start_date)
  const end = dayNumber(item.end_date)
  if (start === undefined) return 'start_date must be a real day (YYYY-MM-DD)'
  if (end === undefined) return 'end_date must be a real day (YYYY-MM-DD)'
  if (end < start) return 'end_date must not be before start_date'
  const last = addYears(today, CALENDAR_MAX_YEARS_AHEAD)
  if (item.end_date > last) return `end_date must be at most ${CALENDAR_MAX_YEARS_AHEAD} years ahead (${last} or before)`
  if (!FIELDS.some((f) => item[f] !== undefined)) return `at least one field besides the dates must be given (${FIELDS.join(', ')})`
  for (const field of ['price', 'minimum_stay', 'maximum_stay'] as const) {
    const value = item[field]
    if (value === undefined) continue
    const { min, max } = CALENDAR_UPDATE_BOUNDS[field]
    if (value < min) return `${field} must be >= ${min}`
    if (value > max) return `${field} must be <= ${max}`
  }
  if (item.note !== undefined && item.note.length > CALENDAR_UPDATE_BOUNDS.note.max) {
    return `note must NOT have more than ${CALENDAR_UPDATE_BOUNDS.note.max} characters`
  }
  if (item.minimum_stay !== undefined && item.maximum_stay !== undefined && item.minimum_stay > item.maximum_stay) {
    return 'maximum_stay must be >= minimum_stay'
  }
  return undefined
}

/**
 * The overlap rule: two updates of one listing whose ranges share a day are both refused, each
 * naming the other (the first other one it overlaps, by index), since which one Hostaway applies
 * last is not documented. Returns the message of each refused index.
 */
export function overlappingCalendarUpdates (items: ReadonlyArray<Indexed<CalendarUpdateItem>>): Map<number, string> {
  // for each update, the overlapping one with the lowest index
  const partner = new Map<number, Indexed<CalendarUpdateItem>>()
  const meet = (self: Indexed<CalendarUpdateItem>, other: Indexed<CalendarUpdateItem>) => {
    const known = partner.get(self.index)
    if (known === undefined || other.index < known.index) partner.set(self.index, other)
  }
  for (const ranges of groupByListing(items).values()) {
    const sorted = [...ranges].sort((a, b) => a.item.start_date.localeCompare(b.item.start_date) || a.index - b.index)
    for (let i = 0; i < sorted.length; i++) {
      // sorted by start: the ranges that start on or before this one's end overlap it
      for (let j = i + 1; j < sorted.length && sorted[j].item.start_date <= sorted[i].item.end_date; j++) {
        meet(sorted[i], sorted[j])
        meet(sorted[j], sorted[i])
      }
    }
  }
  const problems = new Map<number, string>()
  for (const self of items) {
    const other = partner.get(self.index)
    if (other === undefined) continue
    problems.set(self.index, `updates/${self.index} overlaps updates/${other.index}: listing ${self.item.listing_id}, ` +
      `${self.item.start_date}..${self.item.end_date} and ${other.item.start_date}..${other.item.end_date}; give each day of a listing once per batch`)
  }
  return problems
}

/** The rules of a whole batch: each refused index with its message (field paths under `updates/<i>/`), and the items that may go. */
export function checkCalendarUpdates (items: readonly CalendarUpdateItem[], today: string): { problems: Map<number, string>, valid: Array<Indexed<CalendarUpdateItem>> } {
  const problems = new Map<number, string>()
  const passing: Array<Indexed<CalendarUpdateItem>> = []
  items.forEach((item, index) => {
    const broken = brokenCalendarRule(item, today)
    if (broken === undefined) passing.push({ index, item })
    else problems.set(index, `updates/${index}/${broken}`)
  })
  // only items that keep their own rules take part in the overlap rule: a range that is not one overlaps nothing
  for (const [index, message] of overlappingCalendarUpdates(passing)) problems.set(index, message)
  return { problems, valid: passing.filter(({ index }) => !problems.has(index)) }
}

/** One interval as Hostaway takes it (calendar day object plus the two dates; booleans as 0/1). */
export interface HostawayCalendarInterval {
  startDate: string
  endDate: string
  price?: number
  isAvailable?: 0 | 1
  minimumStay?: number
  maximumStay?: number
  closedOnArrival?: 0 | 1
  closedOnDeparture?: 0 | 1
  note?: string
}

const flag = (b: boolean | undefined): 0 | 1 | undefined => b === undefined ? undefined : b ? 1 : 0

/** An update in Hostaway's names; fields not given are left out (Hostaway leaves them as they are). */
export function toHostawayInterval (item: CalendarUpdateItem): HostawayCalendarInterval {
  const out: HostawayCalendarInterval = { startDate: item.start_date, endDate: item.end_date }
  const set = <K extends keyof HostawayCalendarInterval>(key: K, value: HostawayCalendarInterval[K] | undefined) => {
    if (value !== undefined) out[key] = value
  }
  set('price', item.price)
  set('isAvailable', flag(item.is_available))
  set('minimumStay', item.minimum_stay)
  set('maximumStay', item.maximum_stay)
  set('closedOnArrival', flag(item.closed_on_arrival))
  set('closedOnDeparture', flag(item.closed_on_departure))
  set('note', item.note)
  return out
}

/** One planned upstream call: a calendar write for one listing and the updates it carries. */
export interface CalendarCall {
  listingId: number
  method: 'PUT'
  /** relative to the API base, no leading slash (as the client's call specs) */
  path: string
  /** one interval (PUT …/calendar) or several (PUT …/calendarIntervals) */
  body: HostawayCalendarInterval | HostawayCalendarInterval[]
  /** indexes of the updates carried, ascending: a failed call fails each of them alike */
  items: number[]
}

export interface CalendarPlanOptions {
  /** Use the multi-interval write (default true); false: one PUT …/calendar per range. */
  multiInterval?: boolean
  /** Most intervals per multi-interval call (default and at most MAX_INTERVALS_PER_CALL). */
  maxIntervals?: number
}

/**
 * The fewest upstream calls for the valid updates: per listing (in order of first appearance), its
 * ranges sorted by start date in chunks of at most `maxIntervals`; a chunk of one range goes to
 * PUT listings/{id}/calendar (the single-range write, which answers the days changed), a chunk of
 * several to PUT listings/{id}/calendarIntervals. No documented call writes several listings, so a
 * batch needs at least one call per listing. Overlapping ranges must have been refused before
 * (checkCalendarUpdates): how Hostaway orders them inside one call is not documented.
 */
export function planCalendarCalls (valid: ReadonlyArray<Indexed<CalendarUpdateItem>>, opts: CalendarPlanOptions = {}): CalendarCall[] {
  const multi = opts.multiInterval ?? true
  const size = multi ? Math.max(1, Math.min(MAX_INTERVALS_PER_CALL, opts.maxIntervals ?? MAX_INTERVALS_PER_CALL)) : 1
  const calls: CalendarCall[] = []
  for (const [listingId, ranges] of groupByListing(valid)) {
    const sorted = [...ranges].sort((a, b) => a.item.start_date.localeCompare(b.item.start_date) || a.index - b.index)
    for (let i = 0; i < sorted.length; i += size) {
      const chunk = sorted.slice(i, i + size)
      const items = chunk.map((c) => c.index).sort((a, b) => a - b)
      calls.push(chunk.length === 1
        ? { listingId, method: 'PUT', path: `listings/${listingId}/calendar`, body: toHostawayInterval(chunk[0].item), items }
        : { listingId, method: 'PUT', path: `listings/${listingId}/calendarIntervals`, body: chunk.map((c) => toHostawayInterval(c.item)), items })
    }
  }
  return calls
}

/** The calls as a dry run lists them. */
export function plannedCalendarCalls (calls: readonly CalendarCall[]): PlannedCall[] {
  return calls.map((c) => ({ kind: 'write', method: c.method, path: `/${c.path}`, items: [...c.items] }))
}

/** `data` of an applied update: its range, the Hostaway fields set, the call that carried it. */
export function calendarUpdateResult (item: CalendarUpdateItem, call: Pick<CalendarCall, 'path' | 'items'>): CalendarUpdateResult {
  const { startDate: _s, endDate: _e, ...fields } = toHostawayInterval(item)
  return {
    listing_id: item.listing_id,
    start_date: item.start_date,
    end_date: item.end_date,
    days: daysBetween(item.start_date, item.end_date),
    fields: Object.keys(fields),
    call: { method: 'PUT', path: `/${call.path}`, items: [...call.items] }
  }
}

function groupByListing<T extends { listing_id: number }> (items: ReadonlyArray<Indexed<T>>): Map<number, Array<Indexed<T>>> {
  const out = new Map<number, Array<Indexed<T>>>()
  for (const entry of items) {
    const list = out.get(entry.item.listing_id)
    if (list === undefined) out.set(entry.item.listing_id, [entry])
    else list.push(entry)
  }
  return out
}
