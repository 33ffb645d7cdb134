import type { FastifyBaseLogger, LogLevel } from 'fastify'
import type { Faults, FaultMode } from './faults.js'
import type { SandboxStats } from './stats.js'

export type { Faults, FaultMode, SandboxStats }

/** Where the sandbox logs: false (default) for nothing, true or a level for its own pino, or a logger to reuse. */
export type SandboxLogger = boolean | LogLevel | FastifyBaseLogger

export interface SandboxOptions {
  /** Seed of the generated data and of the random fault draws (integer ≥ 0). Default 42. */
  seed: number
  /** client_id accepted by POST /v1/accessTokens. Default '10000'. */
  accountId: string
  /** client_secret accepted by POST /v1/accessTokens. Default 'sandbox-secret'. */
  apiKey: string
  /** Requests admitted per client IP in any window. Default 15 (Hostaway's documented limit). */
  rateLimitIp: number
  /** Requests admitted per account in any window. Default 20 (Hostaway's documented limit). */
  rateLimitAccount: number
  /** Length of the sliding rate-limit window in ms. Default 10000. */
  rateWindowMs: number
  /**
   * Number of generated listings, ids 1..listingCount (1–10000). Default 40. Listings 1–40 and the
   * dates of their stays are the same whatever the count (reservation ids, guests and statuses are
   * not); each listing adds 5–8 reservations.
   */
  listingCount: number
  /** Faults active from the start. Default none. */
  faults: Faults
  /** `expires_in` of issued tokens, in seconds. Default 15897600 (the value in Hostaway's docs). */
  tokenTtlSeconds: number
  /**
   * A new token is refused (403) for this many ms after it is issued. Hostaway documents that a token
   * is valid only 1 s after being returned; default 0 (off) so tests stay fast — set 1000 to simulate.
   */
  tokenSettleMs: number
  /** Day the generated reservations are laid out from (YYYY-MM-DD). Default: today's UTC date at start. */
  baseDate: string
  /** Default false. */
  logger: SandboxLogger
}

/** A listing with Hostaway's field names; fields beyond the typed ones are passed through. */
export interface ListingRecord {
  id: number
  name: string
  city: string
  country: string
  countryCode: string
  price: number
  minNights: number
  maxNights: number
  currencyCode: string
  timeZoneName: string
  [field: string]: unknown
}

export interface ReservationRecord {
  id: number
  listingMapId: number
  channelId: number
  channelName: string
  guestName: string
  guestEmail: string | null
  numberOfGuests: number
  arrivalDate: string
  departureDate: string
  nights: number
  status: string
  totalPrice: number
  currency: string
  [field: string]: unknown
}

export interface ConversationRecord {
  id: number
  listingMapId: number
  reservationId: number
  [field: string]: unknown
}

export interface MessageRecord {
  id: number
  conversationId: number
  reservationId: number
  listingMapId: number
  body: string
  isIncoming: number
  communicationType: string
  status: string
  insertedOn: string
  date: string
  [field: string]: unknown
}

/**
 * What calendar writes set on one day of a listing (PUT /listings/:id/calendar or calendarIntervals).
 * A field not set keeps the generated value (listing price with weekend and season factors, the
 * listing's min/max nights, open unless reserved).
 */
export interface CalendarOverride {
  isAvailable?: number
  price?: number
  minimumStay?: number
  maximumStay?: number
  closedOnArrival?: number | null
  closedOnDeparture?: number | null
  note?: string | null
}

export interface SandboxData {
  listings: Map<number, ListingRecord>
  reservations: Map<number, ReservationRecord>
  conversations: Map<number, ConversationRecord>
  /** Messages of each conversation, oldest first. */
  messages: Map<number, MessageRecord[]>
  nextMessageId: number
  /** Calendar writes: listing id → day (days since 1970-01-01) → what was set. */
  calendar: Map<number, Map<number, CalendarOverride>>
}

export interface RunningSandbox {
  /** e.g. http://127.0.0.1:4010/v1 */
  baseUrl: string
  /** e.g. http://127.0.0.1:4010 */
  origin: string
  port: number
  accountId: string
  apiKey: string
  stats (): Promise<SandboxStats>
  /** Replace the fault config (validated; throws on bad input) and restart the fault draws. */
  setFaults (faults: Faults): Promise<void>
  /** Zero counters, clear faults and rate-limit logs; `{ data: true }` also regenerates the data. */
  reset (opts?: { data?: boolean }): Promise<void>
  /** Revoke every token issued so far. */
  expireTokens (): Promise<void>
  /** Stop listening; hanging and keep-alive connections are destroyed. */
  close (): Promise<void>
}
