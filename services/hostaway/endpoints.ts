import type { ListingUpdateFields } from '../../schemas/listing.js'
import type { CalendarQuery, ListListingsQuery, SearchBookingsQuery } from '../../schemas/query.js'
import type { CallSpec } from './call/executor.js'

/**
 * The Hostaway endpoints the gateway calls, and the renames between the gateway's API
 * (snake_case parameters; "bookings") and Hostaway's (camelCase; "reservations").
 * Paths are relative to HOSTAWAY_BASE_URL (…/v1).
 */

/** Items per list page the lookup planner asks for (Hostaway's reservation default; list objects equal the by-id ones). */
export const SCAN_PAGE_SIZE = 100

export const listingEndpoints = {
  /** read-cache key of one listing */
  key: (id: number) => `listing:${id}`,
  list: (q: ListListingsQuery): CallSpec => ({
    kind: 'listings_page', method: 'GET', path: 'listings', expect: 'array', query: { limit: q.limit, offset: q.offset, city: q.city, match: q.match }
  }),
  get: (id: number): CallSpec => ({ kind: 'listing', method: 'GET', path: `listings/${id}`, expect: 'object' }),
  /** one page of every listing of the account (no filter): what the lookup planner scans */
  page: (offset: number): CallSpec => ({ kind: 'listings_page', method: 'GET', path: 'listings', expect: 'array', query: { limit: SCAN_PAGE_SIZE, offset } }),
  calendar: (id: number, q: CalendarQuery): CallSpec => ({
    kind: 'listing_calendar', method: 'GET', path: `listings/${id}/calendar`, expect: 'array', query: { startDate: q.start_date, endDate: q.end_date }
  }),
  update: (id: number, fields: ListingUpdateFields): CallSpec => ({ kind: 'listing_update', method: 'PUT', path: `listings/${id}`, expect: 'object', json: fields }),
  /**
   * A calendar write planned by services/writes/calendar.ts: `listings/{id}/calendar` (one range,
   * answers the days) or `listings/{id}/calendarIntervals` (several, answers an empty success).
   */
  calendarWrite: (path: string, body: object): CallSpec => ({
    kind: 'calendar_update', method: 'PUT', path, expect: path.endsWith('/calendarIntervals') ? 'any' : 'array', json: body
  }),
  /** Hostaway's availability filter on the listing list (shared/notes/hostaway-writes.md (e)) */
  available: (q: { start_date: string, end_date: string, guests?: number, limit: number, offset: number }): CallSpec => ({
    kind: 'listings_page',
    method: 'GET',
    path: 'listings',
    expect: 'array',
    query: { availabilityDateStart: q.start_date, availabilityDateEnd: q.end_date, availabilityGuestNumber: q.guests, limit: q.limit, offset: q.offset }
  })
}

/** A gateway "booking" is a Hostaway "reservation". */
export const bookingEndpoints = {
  /** read-cache key of one reservation */
  key: (id: number) => `reservation:${id}`,
  search: (q: SearchBookingsQuery): CallSpec => ({
    kind: 'reservations_page',
    method: 'GET',
    path: 'reservations',
    expect: 'array',
    query: {
      listingId: q.listing_id,
      arrivalStartDate: q.arrival_from,
      arrivalEndDate: q.arrival_to,
      departureStartDate: q.departure_from,
      departureEndDate: q.departure_to,
      status: q.status,
      limit: q.limit,
      offset: q.offset
    }
  }),
  get: (id: number): CallSpec => ({ kind: 'reservation', method: 'GET', path: `reservations/${id}`, expect: 'object' }),
  /**
   * One page of the default order (most recently changed first), after reservation `afterId`
   * (Hostaway's cursor); with both include flags a list object equals the by-id object.
   */
  page: (afterId?: number): CallSpec => ({
    kind: 'reservations_page',
    method: 'GET',
    path: 'reservations',
    expect: 'array',
    query: { limit: SCAN_PAGE_SIZE, afterId, includeResources: 1, includeCancellationPolicy: 1 }
  }),
  /**
   * The page of the default order at `offset` (deprecated by Hostaway for the cursor, still
   * answered): what lets the planner read the pages of a scan at once.
   */
  offsetPage: (offset: number): CallSpec => ({
    kind: 'reservations_page',
    method: 'GET',
    path: 'reservations',
    expect: 'array',
    query: { limit: SCAN_PAGE_SIZE, offset, includeResources: 1, includeCancellationPolicy: 1 }
  }),
  /** read-cache keys of a reservation's conversations, and of a conversation's messages */
  conversationsKey: (reservationId: number) => `conversations:${reservationId}`,
  messagesKey: (conversationId: number) => `messages:${conversationId}`,
  conversations: (reservationId: number): CallSpec => ({ kind: 'conversations', method: 'GET', path: 'conversations', expect: 'array', query: { reservationId } }),
  messages: (conversationId: number): CallSpec => ({ kind: 'messages', method: 'GET', path: `conversations/${conversationId}/messages`, expect: 'array' }),
  /** the whole reservation written back (read, merge, write: services/writes/bookings.ts) */
  update: (id: number, body: object): CallSpec => ({ kind: 'reservation_update', method: 'PUT', path: `reservations/${id}`, expect: 'object', json: body }),
  /** one page of every conversation of the account (what a batch of messages scans for its reservations) */
  conversationsPage: (offset: number): CallSpec => ({ kind: 'conversations', method: 'GET', path: 'conversations', expect: 'array', query: { limit: SCAN_PAGE_SIZE, offset } }),
  /** a reservation's conversations, not cached (a message batch's lookup of one the pages did not hold) */
  reservationConversations: (reservationId: number): CallSpec => ({ kind: 'conversations', method: 'GET', path: `reservations/${reservationId}/conversations`, expect: 'array' }),
  send: (conversationId: number, body: { body: string, communicationType?: string }): CallSpec => ({
    kind: 'message_send', method: 'POST', path: `conversations/${conversationId}/messages`, expect: 'object', json: body
  })
}
