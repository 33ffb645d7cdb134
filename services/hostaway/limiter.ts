import { abortReason } from './abort.js'
import { createMemoryBudget, type Budget, type MemoryBudgetOptions } from './budget.js'
import { createFairQueue, type Turn } from './fair-queue.js'
import type { AcquireOptions, LimiterStats, RateLimiter } from './types.js'

/** Rejection of `acquire` when the limiter was closed while (or before) waiting. */
export class LimiterClosedError extends Error {
  constructor () {
    super('rate limiter closed')
    this.name = 'LimiterClosedError'
  }
}

/**
 * Rejection of `acquire` without waiting (or after a wait that can no longer end in time): the
 * call's turn is predicted to come past its deadline, or the queue is full. `retryAfterMs` is the
 * predicted wait for a turn.
 */
export class AdmissionRefused extends Error {
  constructor (readonly reason: 'deadline' | 'queue_full', readonly retryAfterMs: number, message: string) {
    super(message)
    this.name = 'AdmissionRefused'
  }
}

/**
 * Of the time a call has until its deadline, the part kept for its answer: a call is admitted only
 * if its turn is predicted to come at least min(10 % of that time, 1 s) before the deadline.
 */
const ANSWER_SHARE = 0.1
const ANSWER_MAX_MS = 1000

interface Waiter extends Turn {
  resolve: () => void
  reject: (err: Error) => void
  signal: AbortSignal | undefined
  onAbort: (() => void) | undefined
  enqueuedAt: number
  deadline: number | undefined
  /** the latest start that leaves the call time for its answer; undefined: no deadline */
  startBy: number | undefined
}

export interface RateLimiterDeps {
  budget: Budget
  /** monotonic clock (ms), the one deadlines are given in */
  now: () => number
  /** the budget's slots per window and its window (ms): the prediction when the budget has no `upcoming` */
  cap: number
  windowMs: number
  /** most waiters (token requests aside); beyond it the turns that come last are refused */
  maxQueue: number
  /** a caller's share of the slots relative to the others' (default 1) */
  weightOf?: (caller: string) => number
}

/**
 * The queue in front of a budget. Token requests go first; then callers take fair turns
 * (fair-queue.ts), single-item requests before a caller's batch items. One timer at most is armed,
 * for the moment the budget says the next waiter may go; a slot given back unused goes to the
 * next waiter at once; an aborted waiter leaves at once; if the budget fails, every waiter is
 * rejected with its error.
 * Admission: the budget knows when its next slots free (`upcoming`, else an estimate from its cap
 * and window), so the queue knows when each waiter's turn comes. A call whose turn would come past
 * its deadline is refused at once (AdmissionRefused, with the predicted wait) instead of waiting the
 * deadline out; so is a call that finds `maxQueue` waiters ahead of it — or, when it would be served
 * before some of them, the waiter served last makes room. When newcomers push waiters back (a
 * caller's first turn, a single-item request ahead of batch items) or the budget makes the queue
 * wait, the queue checks again, and refuses the waiters that can no longer start in time.
 */
export function createRateLimiter ({ budget, now, cap, windowMs, maxQueue, weightOf = () => 1 }: RateLimiterDeps): RateLimiter {
  const queue = createFairQueue<Waiter>({ weightOf })
  let timer: NodeJS.Timeout | undefined
  /** an asynchronous `take` is under way */
  let asking = false
  let closed = false
  let checkQueued = false
  const counts = { acquired: 0, released: 0, refused: 0, maxWait: 0, totalWait: 0 }

  /** ms from now until each of the next `count` slots may be taken. */
  function upcoming (count: number): number[] {
    if (budget.upcoming !== undefined) return budget.upcoming(count)
    // the estimate: the slots left in this window now, then `cap` per window from the next free slot
    const free = Math.max(0, cap - budget.inWindow())
    const next = budget.nextSlotInMs()
    return Array.from({ length: count }, (_, i) => i < free ? 0 : next + Math.floor((i - free) / cap) * windowMs)
  }

  function detach (w: Waiter): void {
    if (w.signal !== undefined && w.onAbort !== undefined) w.signal.removeEventListener('abort', w.onAbort)
  }

  function refuse (w: Waiter, reason: AdmissionRefused['reason'], waitMs: number): void {
    counts.refused++
    detach(w)
    const wait = Math.max(1, Math.ceil(waitMs))
    const message = reason === 'deadline'
      ? `no rate-limit slot in time: its turn would come in about ${wait} ms, its deadline is in ${Math.max(0, Math.round((w.deadline ?? 0) - now()))} ms`
      : `the rate-limit queue is full (${maxQueue} waiting, whose turns come first)`
    w.reject(new AdmissionRefused(reason, wait, message))
  }

  /** Refuse the waiters whose turn now comes too late (pushed back, or the budget is slower than foreseen). */
  function recheck (): void {
    checkQueued = false
    if (closed || queue.size() === 0) return
    const order = queue.ordered()
    const waits = upcoming(order.length)
    const t = now()
    let gone = 0
    order.forEach((w, i) => {
      const wait = waits[i - gone]
      if (w.startBy === undefined || t + wait <= w.startBy) return
      queue.remove(w)
      gone++
      refuse(w, 'deadline', wait)
    })
    if (queue.size() === 0) clearTimer()
  }

  function scheduleRecheck (): void {
    if (checkQueued) return
    checkQueued = true
    queueMicrotask(recheck)
  }

  function clearTimer (): void {
    if (timer !== undefined) {
      clearTimeout(timer)
      timer = undefined
    }
  }

  function grant (w: Waiter): void {
    counts.acquired++
    const waited = now() - w.enqueuedAt
    counts.totalWait += waited
    counts.maxWait = Math.max(counts.maxWait, waited)
    detach(w)
    w.resolve()
  }

  function rejectAll (err: Error): void {
    for (const w of queue.clear()) {
      detach(w)
      w.reject(err)
    }
  }

  /** After the budget answered: grant the next waiter (true: ask again) or wait `wait` ms (false). */
  function answered (wait: number): boolean {
    if (closed || queue.size() === 0) return false
    if (wait > 0) {
      // timers may fire up to 1 ms early against a sub-ms clock: round up
      timer = setTimeout(drain, Math.ceil(wait))
      scheduleRecheck()
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
      rejectAll(err instanceof Error ? err : new Error(String(err)))
      return false
    }
    if (typeof result === 'number') return answered(result)
    asking = true
    result.then((wait) => {
      asking = false
      if (answered(wait)) drain()
    }, (err: unknown) => {
      asking = false
      rejectAll(err instanceof Error ? err : new Error(String(err)))
    })
    return false
  }

  function drain (): void {
    if (asking) return
    clearTimer()
    while (queue.size() > 0 && ask());
  }

  /** Admit `w` (true) or refuse it; a full queue refuses the newcomer or the waiter served last. */
  function admit (w: Waiter, t: number): boolean {
    const position = queue.positionOf(w)
    const waits = upcoming(position + 1)
    if (w.startBy !== undefined && t + waits[position] > w.startBy) {
      refuse(w, 'deadline', waits[position])
      return false
    }
    if (queue.size() < maxQueue) return true
    const order = queue.ordered()
    const last = order[order.length - 1]
    // whoever is left out would be served after every waiter kept
    const lastWait = upcoming(order.length + 1)[order.length]
    if (last === undefined || last.priority || position >= order.length) {
      refuse(w, 'queue_full', lastWait)
      return false
    }
    queue.remove(last)
    refuse(last, 'queue_full', lastWait)
    return true
  }

  return {
    acquire (signal?: AbortSignal, options: AcquireOptions = {}): Promise<void> {
      if (closed) return Promise.reject(new LimiterClosedError())
      if (signal?.aborted === true) return Promise.reject(abortReason(signal))
      const t = now()
      return new Promise<void>((resolve, reject) => {
        const { deadline } = options
        const w: Waiter = {
          resolve,
          reject,
          signal,
          onAbort: undefined,
          enqueuedAt: t,
          priority: options.priority === true,
          caller: options.caller ?? '',
          lane: options.lane ?? 'single',
          deadline,
          startBy: deadline === undefined ? undefined : deadline - Math.min(ANSWER_MAX_MS, Math.max(0, deadline - t) * ANSWER_SHARE)
        }
        const ahead = queue.size()
        if (!w.priority && !admit(w, t)) return
        const position = queue.positionOf(w)
        if (signal !== undefined) {
          w.onAbort = () => {
            if (!queue.remove(w)) return
            // the next waiter may go at the same moment; with an empty queue the timer is dropped
            drain()
            reject(abortReason(signal))
          }
          signal.addEventListener('abort', w.onAbort, { once: true })
        }
        queue.push(w)
        // it cut in ahead of someone (a new caller's turn, a single before batch items): check them
        if (position < ahead) scheduleRecheck()
        if (queue.size() === 1) drain()
      })
    },

    release (): void {
      counts.released++
      budget.giveBack()
      if (queue.size() > 0) drain()
    },

    nextSlotInMs (): number {
      return budget.nextSlotInMs()
    },

    stats (): LimiterStats {
      return {
        queued: queue.size(),
        in_window: budget.inWindow(),
        acquired: counts.acquired,
        released: counts.released,
        refused: counts.refused,
        max_wait_ms: Math.round(counts.maxWait),
        total_wait_ms: Math.round(counts.totalWait)
      }
    },

    close (): void {
      closed = true
      clearTimer()
      rejectAll(new LimiterClosedError())
    }
  }
}

export type MemoryRateLimiterOptions = Pick<MemoryBudgetOptions, 'limits' | 'windowMs'> &
  Partial<Omit<MemoryBudgetOptions, 'limits' | 'windowMs'>> & Partial<Pick<RateLimiterDeps, 'maxQueue' | 'weightOf'>>

export interface MemoryRateLimiter extends RateLimiter {
  /** The effective budget: at most `cap` starts within any `windowMs` (margins applied). */
  readonly cap: number
  readonly windowMs: number
}

/** The limiter of one instance: the fair queue over an in-memory sliding log (no queue bound unless `maxQueue`). */
export function createMemoryRateLimiter (options: MemoryRateLimiterOptions): MemoryRateLimiter {
  const now = options.now ?? (() => performance.now())
  const budget = createMemoryBudget({ safetyMargin: 0, windowMarginMs: 0, ...options, now })
  const { cap, windowMs } = budget
  const limiter = createRateLimiter({ budget, now, cap, windowMs, maxQueue: options.maxQueue ?? Infinity, weightOf: options.weightOf })
  return { ...limiter, cap, windowMs }
}
