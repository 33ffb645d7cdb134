import type { Admission } from './limiter/types.js'

/**
 * The seams the parts of the upstream core share without knowing each other: what a call accepts,
 * and the stores that live in this process or in Redis (services/redis/).
 */

/** Per-call options every client method accepts (and every batch operation receives). */
export interface CallOptions {
  /** Abort waiting (token, rate-limit queue, backoff) and the in-flight attempt, e.g. at a batch deadline. */
  signal?: AbortSignal
  /** Called each time an upstream HTTP attempt for this call starts (token requests excluded). */
  onAttempt?: () => void
  /** The caller's place in the rate-limiter queue (default: one anonymous caller, single lane, no deadline). */
  admission?: Admission
}

/** The options of work done on someone's behalf (a batch item, a shared read): signal and onAttempt always set. */
export type BoundCallOptions = CallOptions & Required<Pick<CallOptions, 'signal' | 'onAttempt'>>

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

/** The access token every instance of an account uses, as a shared store holds it. */
export interface SharedTokenState {
  value: string
  /** ms until it must no longer be used (already shortened before the real expiry) */
  ttlMs: number
  /** ms until its settle wait after issue is over (0: usable now) */
  settleInMs: number
}

/**
 * Where several instances keep one access token (Redis: services/redis/token.ts): read it, take the
 * single-flight lock for fetching the next one, and store a new one by compare-and-replace.
 */
export interface SharedTokens {
  get (): Promise<SharedTokenState | undefined>
  /** Take the lock for `ttlMs` (SET NX PX): an owner id to unlock with, or undefined when another instance holds it. */
  lock (ttlMs: number): Promise<string | undefined>
  /** Release the lock if `owner` still holds it. */
  unlock (owner: string): Promise<void>
  /**
   * Store `token` unless the shared token is no longer `expected` (undefined: none was there);
   * answers the token in force afterwards: `token`, or the one another instance stored meanwhile.
   */
  replace (expected: string | undefined, token: { value: string, ttlMs: number, settleMs: number }): Promise<SharedTokenState>
}
