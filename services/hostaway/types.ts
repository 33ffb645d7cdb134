/**
 * The seams of the Hostaway client: what a call accepts, and the shared stores (rate limiter,
 * key/value cache) that are in memory, or in Redis for several instances (services/redis/).
 */

/** Per-call options every client method accepts (and every batch operation receives). */
export interface CallOptions {
  /** Abort waiting (token, rate-limit queue, backoff) and the in-flight attempt, e.g. at a batch deadline. */
  signal?: AbortSignal
  /** Called each time an upstream HTTP attempt for this call starts (token requests excluded). */
  onAttempt?: () => void
}

export interface LimiterStats {
  /** callers waiting for a slot right now */
  queued: number
  /** slots taken in the current window */
  in_window: number
  /** slots granted since start */
  acquired: number
  /** granted slots given back unused (nothing was sent in them) */
  released: number
  /** longest single wait (ms) */
  max_wait_ms: number
  /** sum of all waits (ms) */
  total_wait_ms: number
}

export interface AcquireOptions {
  /** wait ahead of every non-priority waiter */
  priority?: boolean
}

/**
 * Admission control for upstream requests. Every upstream attempt (token requests and retries
 * included) calls `acquire` first.
 */
export interface RateLimiter {
  /**
   * Resolves when a slot is taken; waits FIFO (`priority` waiters, e.g. token requests, go ahead of
   * the others); rejects with the signal's reason when aborted.
   */
  acquire (signal?: AbortSignal, options?: AcquireOptions): Promise<void>
  /**
   * Give back the slot just granted, unused: nothing was sent in it (e.g. the access token was
   * dropped meanwhile, or the circuit breaker opened). Call it in the same tick as the grant.
   */
  release (): void
  /** Earliest time (ms from now) a new slot could be granted; 0 when one is free now. */
  nextSlotInMs (): number
  stats (): LimiterStats
  /** Reject every waiter and stop timers. */
  close (): void
}

/** A small key/value store with a TTL per entry, async so a Redis store can implement it. */
export interface KeyValueStore<V> {
  get (key: string): Promise<V | undefined>
  /** Store `value`; a shared store may refuse a fill that could predate a recent `delete` of the key (another instance's write). */
  set (key: string, value: V, ttlMs: number): Promise<void>
  delete (key: string): Promise<void>
  /** Store a value known to be current (e.g. a webhook's) even right after a `delete`; without it: delete, then set. */
  replace? (key: string, value: V, ttlMs: number): Promise<void>
  /** Forget what this instance holds (a shared store keeps the others' entries). */
  clear (): Promise<void>
}
