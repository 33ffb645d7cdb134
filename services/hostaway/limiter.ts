import { abortReason } from './abort.js'
import type { LimiterStats, RateLimiter } from './types.js'

/** One budget: at most `max` acquisitions per window (e.g. 15 per IP, 20 per account). */
export interface RateLimit {
  name: string
  max: number
}

export interface MemoryRateLimiterOptions {
  /** Every acquisition counts against every limit. */
  limits: RateLimit[]
  /** The upstream window (ms). */
  windowMs: number
  /** Acquisitions kept in reserve below each `max` (default 0; never lowers a cap below 1). */
  safetyMargin?: number
  /** Extra ms added to the window to absorb clock skew and network jitter (default 0). */
  windowMarginMs?: number
  /** Clock (ms); defaults to `performance.now()`, which is monotonic. */
  now?: () => number
}

/** Rejection of `acquire` when the limiter was closed while (or before) waiting. */
export class LimiterClosedError extends Error {
  constructor () {
    super('rate limiter closed')
    this.name = 'LimiterClosedError'
  }
}

interface Waiter {
  resolve: () => void
  reject: (err: Error) => void
  signal: AbortSignal | undefined
  onAbort: (() => void) | undefined
  enqueuedAt: number
}

export interface MemoryRateLimiter extends RateLimiter {
  /** The effective budget: at most `cap` starts within any `windowMs` (margins applied). */
  readonly cap: number
  readonly windowMs: number
}

/**
 * A sliding-log rate limiter: it remembers when each of the last `cap` slots was granted and never
 * lets more than `cap = min(max) - safetyMargin` acquisitions start within any
 * `windowMs + windowMarginMs`. Waiters are served strictly FIFO; one timer at most is armed, for the
 * moment the head of the queue can go.
 */
export function createMemoryRateLimiter (options: MemoryRateLimiterOptions): MemoryRateLimiter {
  if (options.limits.length === 0) throw new Error('rate limiter: at least one limit is required')
  if (!(options.windowMs > 0)) throw new Error('rate limiter: windowMs must be > 0')
  const margin = Math.max(0, options.safetyMargin ?? 0)
  // every acquisition counts against every limit, so the tightest one decides
  const cap = Math.max(1, Math.min(...options.limits.map((l) => Math.floor(l.max) - margin)))
  const windowMs = options.windowMs + Math.max(0, options.windowMarginMs ?? 0)
  const now = options.now ?? (() => performance.now())

  /** grant times of the last `cap` acquisitions, oldest first */
  const log: number[] = []
  const queue: Waiter[] = []
  let timer: NodeJS.Timeout | undefined
  let closed = false
  let acquired = 0
  let maxWait = 0
  let totalWait = 0

  /** ms until a slot is free (0 = now), ignoring the queue */
  function delayAt (t: number): number {
    if (log.length < cap) return 0
    const oldest = log[log.length - cap]
    return Math.max(0, oldest + windowMs - t)
  }

  function take (t: number): void {
    log.push(t)
    if (log.length > cap) log.splice(0, log.length - cap)
    acquired++
  }

  function grant (waiter: Waiter, t: number): void {
    take(t)
    const waited = t - waiter.enqueuedAt
    totalWait += waited
    if (waited > maxWait) maxWait = waited
    if (waiter.signal !== undefined && waiter.onAbort !== undefined) waiter.signal.removeEventListener('abort', waiter.onAbort)
    waiter.resolve()
  }

  function drain (): void {
    if (timer !== undefined) {
      clearTimeout(timer)
      timer = undefined
    }
    while (queue.length > 0) {
      const t = now()
      const wait = delayAt(t)
      if (wait > 0) {
        // timers may fire up to 1 ms early against a sub-ms clock: round up
        timer = setTimeout(drain, Math.ceil(wait))
        return
      }
      grant(queue.shift() as Waiter, t)
    }
  }

  return {
    cap,
    windowMs,

    acquire (signal?: AbortSignal): Promise<void> {
      if (closed) return Promise.reject(new LimiterClosedError())
      if (signal?.aborted === true) return Promise.reject(abortReason(signal))
      const t = now()
      if (queue.length === 0 && delayAt(t) === 0) {
        take(t)
        return Promise.resolve()
      }
      return new Promise<void>((resolve, reject) => {
        const waiter: Waiter = { resolve, reject, signal, onAbort: undefined, enqueuedAt: t }
        if (signal !== undefined) {
          waiter.onAbort = () => {
            const i = queue.indexOf(waiter)
            if (i === -1) return
            queue.splice(i, 1)
            // the next head may go at the same moment; with an empty queue the timer is dropped
            drain()
            reject(abortReason(signal))
          }
          signal.addEventListener('abort', waiter.onAbort, { once: true })
        }
        queue.push(waiter)
        if (queue.length === 1) drain()
      })
    },

    nextSlotInMs (): number {
      return Math.ceil(delayAt(now()))
    },

    stats (): LimiterStats {
      const t = now()
      let inWindow = 0
      for (let i = log.length - 1; i >= 0 && log[i] > t - windowMs; i--) inWindow++
      return {
        queued: queue.length,
        in_window: inWindow,
        acquired,
        max_wait_ms: Math.round(maxWait),
        total_wait_ms: Math.round(totalWait)
      }
    },

    close (): void {
      closed = true
      if (timer !== undefined) {
        clearTimeout(timer)
        timer = undefined
      }
      const waiters = queue.splice(0, queue.length)
      for (const w of waiters) {
        if (w.signal !== undefined && w.onAbort !== undefined) w.signal.removeEventListener('abort', w.onAbort)
        w.reject(new LimiterClosedError())
      }
    }
  }
}
