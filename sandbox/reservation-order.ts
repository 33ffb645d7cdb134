import { badRequest } from './errors.js'
import type { ConversationRecord, ReservationRecord } from './types.js'

/** `sortOrder` values of GET /v1/reservations (reservation_retrieveReservationsList.md). */
export const RESERVATION_SORT_ORDERS = [
  'arrivalDate', 'arrivalDateDesc', 'lastConversationMessageSent', 'lastConversationMessageSentDesc',
  'lastConversationMessageReceived', 'lastConversationMessageReceivedDesc', 'latestActivity', 'latestActivityDesc', 'updatedOn'
] as const
export type ReservationSortOrder = typeof RESERVATION_SORT_ORDERS[number]

type Key = (r: ReservationRecord, conversationOf: (r: ReservationRecord) => ConversationRecord | undefined) => unknown

const column = (field: string): Key => (r) => r[field]
const conversation = (field: string): Key => (r, conversationOf) => conversationOf(r)?.[field]

/** Sort key and direction. Ties are broken by id in the same direction. */
const ORDERS: Record<ReservationSortOrder | 'default', { key: Key, desc: boolean }> = {
  // No sortOrder: most recently changed first (updatedOn DESC, id DESC), as documented.
  default: { key: column('updatedOn'), desc: true },
  updatedOn: { key: column('updatedOn'), desc: false },
  arrivalDate: { key: column('arrivalDate'), desc: false },
  arrivalDateDesc: { key: column('arrivalDate'), desc: true },
  latestActivity: { key: column('latestActivityOn'), desc: false },
  latestActivityDesc: { key: column('latestActivityOn'), desc: true },
  lastConversationMessageSent: { key: conversation('messageSentOn'), desc: false },
  lastConversationMessageSentDesc: { key: conversation('messageSentOn'), desc: true },
  lastConversationMessageReceived: { key: conversation('messageReceivedOn'), desc: false },
  lastConversationMessageReceivedDesc: { key: conversation('messageReceivedOn'), desc: true }
}

/** null / missing first when ascending, last when descending (as SQL databases order NULL). */
function compareValues (a: unknown, b: unknown): number {
  const an = a === null || a === undefined
  const bn = b === null || b === undefined
  if (an || bn) return an === bn ? 0 : an ? -1 : 1
  const [x, y] = [String(a), String(b)]
  return x < y ? -1 : x > y ? 1 : 0
}

/**
 * Order `matching` as `sortOrder` says, then cut the cursor: with `afterId`, only the reservations
 * that come after reservation `afterId` in that order (compared by its current sort key and id, so
 * the cursor need not match the filters itself). Returns the ordered rest and how many matching
 * reservations come before it.
 */
export function orderReservations (
  matching: ReservationRecord[],
  opts: { sortOrder?: ReservationSortOrder, afterId?: number },
  lookup: { reservation: (id: number) => ReservationRecord | undefined, conversationOf: (r: ReservationRecord) => ConversationRecord | undefined }
): { ordered: ReservationRecord[], before: number } {
  const { key, desc } = ORDERS[opts.sortOrder ?? 'default']
  const sign = desc ? -1 : 1
  const keyed = matching.map((r) => ({ r, k: key(r, lookup.conversationOf) }))
  const compare = (a: { r: ReservationRecord, k: unknown }, b: { r: ReservationRecord, k: unknown }) =>
    sign * (compareValues(a.k, b.k) || a.r.id - b.r.id)
  keyed.sort(compare)
  if (opts.afterId === undefined) return { ordered: keyed.map(({ r }) => r), before: 0 }
  const cursor = lookup.reservation(opts.afterId)
  if (cursor === undefined) throw badRequest(`afterId ${opts.afterId} is not the id of a reservation`)
  const at = { r: cursor, k: key(cursor, lookup.conversationOf) }
  const first = keyed.findIndex((x) => compare(x, at) > 0)
  const before = first === -1 ? keyed.length : first
  return { ordered: keyed.slice(before).map(({ r }) => r), before }
}
