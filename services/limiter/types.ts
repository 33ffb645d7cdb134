import type { Budget } from './budget.js'
import type { Telemetry } from '../telemetry.js'

/** The rate limiter's seam: who waits for a slot (Admission), the permit, the limiter's interface, deps and stats, its closed error. */

/** Single-item requests go before the batch items of the same caller in the rate-limiter queue. */
export type Lane = 'single' | 'batch'

/** Who waits for a rate-limit slot, in which lane, and until when (limiter.ts). */
export interface Admission {
  /** the fair-share key: whose share of the upstream budget the call uses (an API key's id, or `ip:<address>` when the API is open) */
  share: string
  lane: Lane
  /**
   * When the work must be answered by (ms on the monotonic clock, `performance.now()`): a call whose
   * turn in the queue is predicted to come too late is refused at once instead of waiting. None: no limit.
   */
  deadline?: number
  /**
   * How many more calls of the same work will queue soon (a batch's items not started yet): the
   * queue keeps turns for them, so that what it predicts for others counts with them.
   */
  backlog?: () => number
}

export interface LimiterStats {
  /** callers waiting for a slot right now */
  queued: number
  /** slots taken in the current window (with a shared budget: as its last answer said) */
  in_window: number
  /** slots per window (margins applied) and the window (ms, margin included) */
  cap: number
  window_ms: number
  /** ms added to the window now because the event loop lagged (HOSTAWAY_RATE_LAG_MARGIN_MAX_MS) */
  lag_margin_ms: number
  /** slots granted since start */
  acquired: number
  /** calls refused without waiting: their turn would have come past their deadline, or the queue was full */
  refused: number
  /** granted slots given back unused (nothing was sent in them) */
  released: number
  /** longest single wait (ms) */
  max_wait_ms: number
  /** sum of all waits (ms) */
  total_wait_ms: number
}

export interface AcquireOptions extends Partial<Admission> {
  /** wait ahead of every other waiter, never refused (token requests: everyone waits for them) */
  priority?: boolean
}

/**
 * A granted rate-limit slot, held by the attempt that will use it. The slot counts against the
 * budget from the moment the request is written, not from the grant: under an event-loop stall the
 * two can be far apart, and counting from the grant would let the next requests out early.
 */
export interface Permit {
  /** The request was handed to the socket (or may have been): the slot counts from now. Only the first call counts. */
  sent (): void
  /**
   * Nothing was sent in the slot (e.g. the access token was dropped meanwhile, or the circuit
   * breaker opened): it is given back, the next waiter may take it at once. Does nothing after `sent`.
   */
  release (): void
}

/**
 * Admission control for upstream requests. Every upstream attempt (token requests and retries
 * included) calls `acquire` first, and settles its permit: `sent` or `release`.
 */
export interface RateLimiter {
  /**
   * Resolves when a slot is taken. `priority` waiters (token requests) go first, then callers take
   * fair turns, single-item requests before a caller's batch items. Rejects with the signal's reason
   * when aborted, and with an AdmissionRefused at once when the call's turn is predicted to come
   * past its `deadline` or the queue is full.
   */
  acquire (signal?: AbortSignal, options?: AcquireOptions): Promise<Permit>
  /** Earliest time (ms from now) a new slot could be granted; 0 when one is free now. */
  nextSlotInMs (): number
  stats (): LimiterStats
  /** Reject every waiter and stop timers. */
  close (): void
}

/** Rejection of `acquire` when the limiter was closed while (or before) waiting. */
export class LimiterClosedError extends Error {
  constructor () {
    super('rate limiter closed')
    this.name = 'LimiterClosedError'
  }
}

/** What createRateLimiter (limiter.ts) is given. */
export interface RateLimiterDeps {
  budget: Budget
  /** monotonic clock (ms), the one deadlines are given in */
  now: () => number
  /** the budget's slots per window and its window (ms): the prediction when the budget has no `upcoming` */
  cap: number
  windowMs: number
  /** most waiters; beyond it the turns that come last are refused (never a token request) */
  maxQueue: number
  /** a caller's share of the slots relative to the others' (default 1) */
  weightOf?: (share: string) => number
  /** run `fn` in `ms` (on the `now` clock), returning a cancel function (default: setTimeout) */
  schedule?: (fn: () => void, ms: number) => () => void
  /** reports each wait for a slot and each refusal */
  telemetry: Pick<Telemetry, 'limiterWait' | 'limiterRefused'>
}
