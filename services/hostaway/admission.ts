import type { Budget } from './budget.js'
import type { FairQueue, Turn } from './fair-queue.js'

/**
 * Rejection of a rate-limiter `acquire` without waiting (or after a wait that can no longer end in
 * time): the call's turn is predicted to come past its deadline, or the queue is full.
 * `retryAfterMs` is the predicted wait for a turn.
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

/** The latest start (ms, the limiter's clock) that leaves a call due at `deadline` time for its answer. */
export function startBy (deadline: number | undefined, t: number): number | undefined {
  return deadline === undefined ? undefined : deadline - Math.min(ANSWER_MAX_MS, Math.max(0, deadline - t) * ANSWER_SHARE)
}

/** A waiter as admission control sees it. */
export interface Candidate extends Turn {
  /** when its work must be answered by; undefined: no deadline */
  deadline: number | undefined
  /** startBy(deadline, arrival) */
  startBy: number | undefined
}

export interface AdmissionDeps<W extends Candidate> {
  queue: Pick<FairQueue<W>, 'positionOf' | 'ordered' | 'remove' | 'size'>
  budget: Pick<Budget, 'upcoming' | 'inWindow' | 'nextSlotInMs'>
  /** the budget's slots per window and its window (ms): the estimate when it has no `upcoming` */
  cap: number
  windowMs: number
  /** most waiters; beyond it the turns that come last are refused */
  maxQueue: number
  now: () => number
  /** `w` is refused with `err` (and no longer in the queue) */
  refused: (w: W, err: AdmissionRefused) => void
}

/**
 * Admission control of the rate limiter's queue: the budget knows when its next slots free
 * (`upcoming`; else an estimate: the slots left in this window, then `cap` per window from the
 * next free one), and the fair queue knows each waiter's place, so each waiter's start can be
 * predicted. A call whose start would come past its `startBy` is refused; when `maxQueue`
 * waiters are queued, the waiter served last is refused (the newcomer, unless it would be served
 * before someone).
 */
export function createAdmission<W extends Candidate> ({ queue, budget, cap, windowMs, maxQueue, now, refused }: AdmissionDeps<W>) {
  /** ms from now until each of the next `count` slots may be taken. */
  function upcoming (count: number): number[] {
    if (budget.upcoming !== undefined) return budget.upcoming(count)
    const free = Math.max(0, cap - budget.inWindow())
    const next = budget.nextSlotInMs()
    return Array.from({ length: count }, (_, i) => i < free ? 0 : next + Math.floor((i - free) / cap) * windowMs)
  }

  function refuse (w: W, reason: AdmissionRefused['reason'], waitMs: number): void {
    const wait = Math.max(1, Math.ceil(waitMs))
    const message = reason === 'deadline'
      ? `no rate-limit slot in time: its turn would come in about ${wait} ms, its deadline is in ${Math.max(0, Math.round((w.deadline ?? 0) - now()))} ms`
      : `the rate-limit queue is full (${maxQueue} waiting, whose turns come first)`
    refused(w, new AdmissionRefused(reason, wait, message))
  }

  return {
    /** Whether `w` (not queued yet) may queue now; if not, it has been refused. */
    admit (w: W): boolean {
      const position = queue.positionOf(w)
      const wait = upcoming(position + 1)[position]
      if (w.startBy !== undefined && now() + wait > w.startBy) {
        refuse(w, 'deadline', wait)
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
    },

    /** Refuse the queued waiters whose turn now comes too late (pushed back, or a slower budget than foreseen). */
    recheck (): void {
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
    }
  }
}
