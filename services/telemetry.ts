import type { ErrorType } from '../schemas/common.js'
import type { LimiterStats, Lane } from './limiter/types.js'

/**
 * The events the services report for metrics (README, "Metrics"), as one typed seam: services take
 * the part they report (`Pick<Telemetry, …>`) as a required dependency, the composition roots
 * (plugins/app/hostaway.ts, batch, operations, idempotency, redis) give the app's, which
 * plugins/app/telemetry.ts implements with prom-client (services/metrics.ts). Every label value is
 * one of the closed sets below: never an id, a URL with ids, a key or a caller.
 */

/** What an upstream call is about (its endpoint, without ids): the `endpoint` label. */
export type EndpointKind = 'token' | 'listing' | 'listings_page' | 'listing_calendar' | 'listing_update' |
  'reservation' | 'reservations_page' | 'conversations' | 'messages' | 'calendar_update' | 'reservation_update' | 'message_send'

/** The HTTP status class of an upstream answer; `none` when there was no answer (timeout, network error, abort). */
export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx' | 'none'

/**
 * What one upstream attempt came to: `success`, `token_refused` (sent again with a new token),
 * `aborted` (the caller stopped waiting), or the error type it would end the call with (an
 * upstream 429 is `rate_limit`, a 404 `not_found`, a 5xx `upstream_error`, …), retried or not.
 */
export type AttemptResult = 'success' | 'token_refused' | 'aborted' | ErrorType

/** Who waited for a rate-limit slot: token requests, single-item requests, batch items. */
export type WaitLane = 'token' | Lane

export const REFUSAL_REASONS = ['deadline', 'queue_full'] as const
export type RefusalReason = typeof REFUSAL_REASONS[number]

/** The read cache's resources: the cache key's prefix (hostaway/endpoints.ts). */
export const CACHE_RESOURCES = ['listing', 'reservation', 'conversations', 'messages', 'other'] as const
export type CacheResource = typeof CACHE_RESOURCES[number]
export const CACHE_RESULTS = ['hit', 'miss', 'negative_hit'] as const
export type CacheResult = typeof CACHE_RESULTS[number]

/** The resource of a read-cache key ("listing:5" → listing). */
export function resourceOf (key: string): CacheResource {
  const prefix = key.slice(0, key.indexOf(':'))
  return (CACHE_RESOURCES as readonly string[]).includes(prefix) ? prefix as CacheResource : 'other'
}

/** The batch operations (their REST operationId; the MCP tool of each calls the same operation). */
export const BATCH_OPERATIONS = ['batchGetListings', 'batchGetBookings', 'batchUpdateListings', 'batchUpdateCalendar', 'batchSendMessages', 'batchUpdateBookings'] as const
export type BatchOperation = typeof BATCH_OPERATIONS[number]

export const BREAKER_STATES = ['closed', 'half_open', 'open'] as const
export type BreakerStateName = typeof BREAKER_STATES[number]
export const TOKEN_REQUEST_RESULTS = ['issued', 'failed', 'rejected'] as const
export type TokenRequestResult = typeof TOKEN_REQUEST_RESULTS[number]
/** Why this instance needed a new access token: none yet, the last one expired, or it was refused (401/403). */
export type TokenRefreshReason = 'initial' | 'expired' | 'refused'
/** An Idempotency-Key claim: a first run, a run resumed from a checkpoint (an earlier one cut short), a replay of the stored result, 409 (still running), 422 (another body). */
export const IDEMPOTENCY_RESULTS = ['claimed', 'resumed', 'replayed', 'conflict', 'mismatch'] as const
export type IdempotencyResult = typeof IDEMPOTENCY_RESULTS[number]
/** A Redis command that failed: not sent (known down), no answer in time, connection lost, an error reply. */
export type RedisErrorKind = 'unavailable' | 'timeout' | 'connection' | 'reply'

/** Values read when metrics are scraped (gauges), given by the composition root once the parts exist. */
export interface Probes {
  limiter: () => LimiterStats
  breaker: () => BreakerStateName
  redisUp: () => boolean
  /** the in-memory Idempotency-Key store (without REDIS_URL): keys held, and their estimated memory (bytes) */
  idempotencyStore: () => { entries: number, bytes: number }
}

export interface Telemetry {
  /** One upstream HTTP attempt, with its duration (s). */
  upstreamAttempt (endpoint: EndpointKind, status: StatusClass, result: AttemptResult, seconds: number): void
  /** A rate-limit slot granted after waiting `seconds` (0 when free at once). */
  limiterWait (lane: WaitLane, seconds: number): void
  /** A call refused by the limiter's admission (nothing sent). */
  limiterRefused (reason: RefusalReason): void
  /** A token request sent upstream (POST /accessTokens, retries included) and how it ended. */
  tokenRequest (result: TokenRequestResult): void
  tokenRefresh (reason: TokenRefreshReason): void
  cacheLookup (resource: CacheResource, result: CacheResult): void
  /** One planned batch lookup: list pages it read, and the ids those pages answered (each would have been a GET). */
  plannerPlan (resource: 'listing' | 'reservation', pages: number, fromPages: number): void
  /** One item of a batch that ran (not a replay): its error type, or `none` for a success. */
  batchItem (operation: BatchOperation, errorType: ErrorType | 'none'): void
  breakerTransition (from: BreakerStateName, to: BreakerStateName): void
  idempotencyClaim (result: IdempotencyResult): void
  /** A stored Idempotency-Key result forgotten before its TTL to keep the in-memory store within its bounds. */
  idempotencyEvicted (): void
  redisError (kind: RedisErrorKind): void
  /** Gauges read at scrape time. */
  watch (probes: Partial<Probes>): void
}

const nothing = (): void => {}

/** Reports nowhere: for tests (and tools) that do not look at metrics. */
export const NO_TELEMETRY: Telemetry = Object.freeze({
  upstreamAttempt: nothing,
  limiterWait: nothing,
  limiterRefused: nothing,
  tokenRequest: nothing,
  tokenRefresh: nothing,
  cacheLookup: nothing,
  plannerPlan: nothing,
  batchItem: nothing,
  breakerTransition: nothing,
  idempotencyClaim: nothing,
  idempotencyEvicted: nothing,
  redisError: nothing,
  watch: nothing
})

/** The status class of an HTTP status. */
export function statusClass (status: number | undefined): StatusClass {
  if (status === undefined || status < 100 || status > 599) return 'none'
  return `${Math.floor(status / 100)}xx` as StatusClass
}
