import { abortReason } from '../abort.js'
import { createAdmission, startBy, type Candidate } from './admission.js'
import { createMemoryBudget, type MemoryBudgetOptions, type Slot } from './budget.js'
import { createFairQueue } from './fair-queue.js'
import { LimiterClosedError, type AcquireOptions, type LimiterStats, type Permit, type RateLimiter, type RateLimiterDeps } from './types.js'

export { LimiterClosedError, type RateLimiterDeps }

interface Waiter extends Candidate {
  resolve: (permit: Permit) => void
  reject: (err: Error) => void
  signal: AbortSignal | undefined
  onAbort: (() => void) | undefined
  enqueuedAt: number
}

function setTimer (fn: () => void, ms: number): () => void {
  const timer = setTimeout(fn, ms)
  return () => clearTimeout(timer)
}

/**
 * The queue in front of a budget. Token requests go first; then callers take fair turns
 * (fair-queue.ts), single-item requests before a caller's batch items. One timer at most is armed,
 * for the moment the budget says the next waiter may go; a slot given back unused goes to the
 * next waiter at once; an aborted waiter leaves at once; if the budget fails, every waiter is
 * rejected with its error. A waiter gets a Permit: it says when its request was written (`sent`:
 * the slot counts from then) or gives the slot back unused (`release`).
 * Admission (admission.ts): a call whose turn is predicted to come past its deadline, or that finds
 * the queue full, is refused at once (AdmissionRefused, with the predicted wait) instead of waiting
 * the deadline out. When newcomers push waiters back (a caller's first turn, a single-item request
 * ahead of batch items) or the budget makes the queue wait, the waiters are checked again.
 */
export function createRateLimiter ({ budget, now, cap, windowMs, maxQueue, weightOf = () => 1, schedule = setTimer, telemetry }: RateLimiterDeps): RateLimiter {
  const queue = createFairQueue<Waiter>({ weightOf })
  /** cancels the one armed timer */
  let timer: (() => void) | undefined
  /** an asynchronous `take` is under way */
  let asking = false
  let closed = false
  let checkQueued = false
  const counts = { acquired: 0, released: 0, refused: 0, maxWait: 0, totalWait: 0 }

  function detach (w: Waiter): void {
    if (w.signal !== undefined && w.onAbort !== undefined) w.signal.removeEventListener('abort', w.onAbort)
  }

  const admission = createAdmission<Waiter>({
    queue,
    budget,
    cap,
    windowMs,
    maxQueue,
    now,
    refused (w, err) {
      counts.refused++
      telemetry.limiterRefused(err.reason)
      detach(w)
      w.reject(err)
    }
  })

  /** Refuse the waiters whose turn now comes too late (pushed back, or the budget is slower than foreseen). */
  function recheck (): void {
    checkQueued = false
    if (closed || queue.size() === 0) return
    admission.recheck()
    if (queue.size() === 0) clearTimer()
  }

  function scheduleRecheck (): void {
    if (checkQueued) return
    checkQueued = true
    queueMicrotask(recheck)
  }

  function clearTimer (): void {
    if (timer !== undefined) {
      timer()
      timer = undefined
    }
  }

  /** The waiter's handle on its slot: written (counts from now), or given back unused (the next waiter may take it). */
  function permitOf (slot: Slot): Permit {
    let settled = false
    return {
      sent (): void {
        settled = true
        slot.sent()
      },
      release (): void {
        if (settled) return
        settled = true
        counts.released++
        slot.giveBack()
        if (!closed && queue.size() > 0) drain()
      }
    }
  }

  function grant (w: Waiter, slot: Slot): void {
    counts.acquired++
    const waited = now() - w.enqueuedAt
    counts.totalWait += waited
    counts.maxWait = Math.max(counts.maxWait, waited)
    telemetry.limiterWait(w.priority ? 'token' : w.lane, waited / 1000)
    detach(w)
    w.resolve(permitOf(slot))
  }

  function rejectAll (err: Error): void {
    for (const w of queue.clear()) {
      detach(w)
      w.reject(err)
    }
  }

  /** After the budget answered: grant the next waiter its slot (true: ask again) or wait `wait` ms (false). */
  function answered (result: Slot | number): boolean {
    if (closed || queue.size() === 0) {
      // the waiter left (aborted, refused) while an asynchronous budget answered
      if (typeof result !== 'number') result.giveBack()
      return false
    }
    if (typeof result === 'number') {
      // timers may fire up to 1 ms early against a sub-ms clock: round up
      timer = schedule(drain, Math.ceil(result))
      scheduleRecheck()
      return false
    }
    grant(queue.shift() as Waiter, result)
    return true
  }

  /** Act on the budget's answer; an asynchronous answer resumes the drain when it comes. */
  function ask (): boolean {
    let result: Slot | number | Promise<Slot | number>
    try {
      result = budget.take()
    } catch (err) {
      rejectAll(err instanceof Error ? err : new Error(String(err)))
      return false
    }
    if (typeof result === 'number' || !('then' in result)) return answered(result)
    asking = true
    result.then((answer) => {
      asking = false
      if (answered(answer)) drain()
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

  return {
    acquire (signal?: AbortSignal, options: AcquireOptions = {}): Promise<Permit> {
      if (closed) return Promise.reject(new LimiterClosedError())
      if (signal?.aborted === true) return Promise.reject(abortReason(signal))
      const t = now()
      return new Promise<Permit>((resolve, reject) => {
        const { deadline } = options
        const w: Waiter = {
          resolve,
          reject,
          signal,
          onAbort: undefined,
          enqueuedAt: t,
          priority: options.priority === true,
          share: options.share ?? '',
          lane: options.lane ?? 'single',
          backlog: options.backlog,
          deadline,
          startBy: startBy(deadline, t)
        }
        const ahead = queue.size()
        const admitted = w.priority ? { at: undefined, position: queue.positionOf(w) } : admission.admit(w)
        if (admitted === undefined) return
        const { at, position } = admitted
        if (signal !== undefined) {
          w.onAbort = () => {
            if (!queue.remove(w)) return
            // the next waiter may go at the same moment; with an empty queue the timer is dropped
            drain()
            reject(abortReason(signal))
          }
          signal.addEventListener('abort', w.onAbort, { once: true })
        }
        queue.push(w, at)
        // it cut in ahead of someone (a new caller's turn, a single before batch items): check them
        if (position < ahead) scheduleRecheck()
        if (queue.size() === 1) drain()
      })
    },

    nextSlotInMs (): number {
      return budget.nextSlotInMs()
    },

    stats (): LimiterStats {
      return {
        queued: queue.size(),
        in_window: budget.inWindow(),
        cap,
        window_ms: windowMs,
        lag_margin_ms: Math.round(budget.lagMarginMs?.() ?? 0),
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
  Partial<Omit<MemoryBudgetOptions, 'limits' | 'windowMs'>> & Partial<Pick<RateLimiterDeps, 'maxQueue' | 'weightOf' | 'schedule'>> &
  Pick<RateLimiterDeps, 'telemetry'>

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
  const limiter = createRateLimiter({ budget, now, cap, windowMs, maxQueue: options.maxQueue ?? Infinity, weightOf: options.weightOf, schedule: options.schedule, telemetry: options.telemetry })
  return { ...limiter, cap, windowMs }
}
