import { abortReason } from './abort.js'
import { createMemoryBudget, type Budget, type MemoryBudgetOptions } from './budget.js'
import type { AcquireOptions, LimiterStats, RateLimiter } from './types.js'

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
  priority: boolean
}

/**
 * The queue in front of a budget: callers wait strictly FIFO for a slot, priority waiters (token
 * requests) ahead of the others; one timer at most is armed, for the moment the budget says the
 * head of the queue may go. An aborted waiter leaves the queue at once (its place goes to the next
 * one). A slot given back unused goes to the next waiter. If the budget fails, every waiter is
 * rejected with its error.
 */
export function createRateLimiter ({ budget, now }: { budget: Budget, now: () => number }): RateLimiter {
  const queue: Waiter[] = []
  let timer: NodeJS.Timeout | undefined
  /** an asynchronous `take` is under way */
  let asking = false
  let closed = false
  let acquired = 0
  let released = 0
  let maxWait = 0
  let totalWait = 0

  function clearTimer (): void {
    if (timer !== undefined) {
      clearTimeout(timer)
      timer = undefined
    }
  }

  function grant (waiter: Waiter): void {
    acquired++
    const waited = now() - waiter.enqueuedAt
    totalWait += waited
    if (waited > maxWait) maxWait = waited
    if (waiter.signal !== undefined && waiter.onAbort !== undefined) waiter.signal.removeEventListener('abort', waiter.onAbort)
    waiter.resolve()
  }

  function fail (err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err))
    for (const w of queue.splice(0, queue.length)) {
      if (w.signal !== undefined && w.onAbort !== undefined) w.signal.removeEventListener('abort', w.onAbort)
      w.reject(error)
    }
  }

  /** After the budget answered: grant the head (true: ask again) or wait `wait` ms (false). */
  function answered (wait: number): boolean {
    if (closed || queue.length === 0) return false
    if (wait > 0) {
      // timers may fire up to 1 ms early against a sub-ms clock: round up
      timer = setTimeout(drain, Math.ceil(wait))
      return false
    }
    grant(queue.shift() as Waiter)
    return true
  }

  /** Act on the budget's answer; an asynchronous answer resumes the drain when it comes. */
  function ask (): boolean {
    let result: number | Promise<number>
    try {
      result = budget.take()
    } catch (err) {
      fail(err)
      return false
    }
    if (typeof result === 'number') return answered(result)
    asking = true
    result.then((wait) => {
      asking = false
      if (answered(wait)) drain()
    }, (err: unknown) => {
      asking = false
      fail(err)
    })
    return false
  }

  function drain (): void {
    if (asking) return
    clearTimer()
    while (queue.length > 0 && ask());
  }

  return {
    acquire (signal?: AbortSignal, options: AcquireOptions = {}): Promise<void> {
      if (closed) return Promise.reject(new LimiterClosedError())
      if (signal?.aborted === true) return Promise.reject(abortReason(signal))
      const t = now()
      const priority = options.priority === true
      return new Promise<void>((resolve, reject) => {
        const waiter: Waiter = { resolve, reject, signal, onAbort: undefined, enqueuedAt: t, priority }
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
        if (priority) {
          // behind the other priority waiters, ahead of everyone else
          const at = queue.findIndex((w) => !w.priority)
          queue.splice(at === -1 ? queue.length : at, 0, waiter)
        } else {
          queue.push(waiter)
        }
        if (queue.length === 1) drain()
      })
    },

    release (): void {
      released++
      budget.giveBack()
      if (queue.length > 0) drain()
    },

    nextSlotInMs (): number {
      return budget.nextSlotInMs()
    },

    stats (): LimiterStats {
      return {
        queued: queue.length,
        in_window: budget.inWindow(),
        acquired,
        released,
        max_wait_ms: Math.round(maxWait),
        total_wait_ms: Math.round(totalWait)
      }
    },

    close (): void {
      closed = true
      clearTimer()
      for (const w of queue.splice(0, queue.length)) {
        if (w.signal !== undefined && w.onAbort !== undefined) w.signal.removeEventListener('abort', w.onAbort)
        w.reject(new LimiterClosedError())
      }
    }
  }
}

export type MemoryRateLimiterOptions = Pick<MemoryBudgetOptions, 'limits' | 'windowMs'> & Partial<Omit<MemoryBudgetOptions, 'limits' | 'windowMs'>>

export interface MemoryRateLimiter extends RateLimiter {
  /** The effective budget: at most `cap` starts within any `windowMs` (margins applied). */
  readonly cap: number
  readonly windowMs: number
}

/** The limiter of one instance: the FIFO queue over an in-memory sliding log. */
export function createMemoryRateLimiter (options: MemoryRateLimiterOptions): MemoryRateLimiter {
  const now = options.now ?? (() => performance.now())
  const budget = createMemoryBudget({ safetyMargin: 0, windowMarginMs: 0, ...options, now })
  return { ...createRateLimiter({ budget, now }), cap: budget.cap, windowMs: budget.windowMs }
}
