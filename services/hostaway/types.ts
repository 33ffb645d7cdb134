import type { Listing, ListingUpdateFields, CalendarDay } from '../../schemas/listing.js'
import type { Booking } from '../../schemas/booking.js'
import type { Message, Conversation } from '../../schemas/message.js'

/** Per-call options every client method accepts. */
export interface CallOptions {
  /** Abort waiting (rate-limit queue, backoff) and the in-flight attempt, e.g. at a batch deadline. */
  signal?: AbortSignal
  /** Called each time an upstream HTTP attempt for this call starts (token requests excluded). */
  onAttempt?: () => void
}

/** A page of a list endpoint, in our snake_case envelope. */
export interface Page<T> {
  items: T[]
  count: number
  limit: number
  offset: number
}

export interface ListListingsQuery {
  limit?: number
  offset?: number
  city?: string
  match?: string
}

export interface CalendarQuery {
  start_date?: string
  end_date?: string
}

export interface SearchReservationsQuery {
  listing_id?: number
  arrival_from?: string
  arrival_to?: string
  departure_from?: string
  departure_to?: string
  status?: string
  limit?: number
  offset?: number
}

export interface LimiterStats {
  /** callers waiting for a slot right now */
  queued: number
  /** slots taken in the current window (the busiest key) */
  in_window: number
  /** slots granted since start */
  acquired: number
  /** longest single wait (ms) */
  max_wait_ms: number
  /** sum of all waits (ms) */
  total_wait_ms: number
}

/**
 * Admission control for upstream requests. Every upstream attempt (token requests and retries
 * included) calls `acquire` first. In-memory today; a Redis-backed implementation can share one
 * account's budget across several gateway instances later.
 */
export interface RateLimiter {
  /** Resolves when a slot is taken; waits FIFO; rejects with the signal's reason when aborted. */
  acquire (signal?: AbortSignal): Promise<void>
  /** Earliest time (ms from now) a new slot could be granted; 0 when one is free now. */
  nextSlotInMs (): number
  stats (): LimiterStats
  /** Reject every waiter and stop timers. */
  close (): void
}

/** A small key/value store with TTL, async so a Redis store can implement it later. */
export interface KeyValueStore<V> {
  get (key: string): Promise<V | undefined>
  set (key: string, value: V, ttlMs: number): Promise<void>
  delete (key: string): Promise<void>
  clear (): Promise<void>
}

export interface ClientStats {
  limiter: LimiterStats
  tokens_requested: number
  upstream_attempts: number
  cache_hits: number
  cache_misses: number
  /** tokens received from upstream */
  tokens_issued?: number
  /** calls that joined an identical GET already in flight instead of sending their own */
  deduplicated?: number
  /** shared (de-duplicated) GETs in flight right now */
  in_flight_shared?: number
}

/** The upstream client, decorated as `fastify.hostaway`. Every method throws `HostawayError` on failure. */
export interface HostawayClient {
  listListings (query: ListListingsQuery, opts?: CallOptions): Promise<Page<Listing>>
  getListing (id: number, opts?: CallOptions): Promise<Listing>
  getListingCalendar (id: number, query: CalendarQuery, opts?: CallOptions): Promise<CalendarDay[]>
  updateListing (id: number, fields: ListingUpdateFields, opts?: CallOptions): Promise<Listing>
  searchReservations (query: SearchReservationsQuery, opts?: CallOptions): Promise<Page<Booking>>
  getReservation (id: number, opts?: CallOptions): Promise<Booking>
  listConversations (query: { reservation_id: number }, opts?: CallOptions): Promise<Conversation[]>
  listMessages (conversationId: number, opts?: CallOptions): Promise<Message[]>
  /** Obtain (or reuse) a token: resolves when upstream credentials work, throws HostawayError otherwise. */
  checkReady (opts?: CallOptions): Promise<void>
  stats (): ClientStats
  close (): Promise<void>
}
