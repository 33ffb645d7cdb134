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
  queue: Pick<FairQueue<W>, 'fairTurn' | 'orderOf' | 'positionOf' | 'placed' | 'remove' | 'size'>
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
 * predicted. Admission is a promise: a newcomer whose fair turn would push a waiter of another
 * caller admitted earlier past its `startBy` takes its turn after that waiter instead. Then a call
 * whose start would come past its own `startBy` is refused; when `maxQueue` waiters are queued,
 * the waiter served last is refused (the newcomer, unless it would be served before someone).
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
    /**
     * Where `w` (not queued yet) may take its turn: the virtual time to push it at and the place
     * (0 = next) it takes when pushed there, or undefined when it has been refused.
     */
    admit (w: W): { at: number, position: number } | undefined {
      const t = now()
      const fair = queue.fairTurn(w)
      const order = queue.orderOf(w.share)
      const placed = queue.placed()
      const waits = upcoming(placed.length + 1)
      // unless it takes a turn kept for its caller's backlog, the waiters of other callers whose turn
      // comes after the new one move back a place: the new turn goes after the last of them that
      // this would make late
      const expected = placed.some((p) => p.w === undefined && p.share === w.share && p.tag === fair)
      let kept = -1
      placed.forEach(({ w: other, tag, seq }, i) => {
        const behind = tag > fair || (tag === fair && seq > order)
        if (!expected && behind && other !== undefined && other.share !== w.share && other.startBy !== undefined && t + waits[i + 1] > other.startBy) kept = i
      })
      const at = kept === -1 ? fair : Math.max(fair, placed[kept].tag + 1)
      const position = queue.positionOf(w, at)
      if (w.startBy !== undefined && t + waits[position] > w.startBy) {
        refuse(w, 'deadline', waits[position])
        return undefined
      }
      if (queue.size() < maxQueue) return { at, position }
      // the last real waiter (not a turn kept for a backlog)
      const lastIndex = placed.findLastIndex((p) => p.w !== undefined)
      const last = lastIndex === -1 ? undefined : placed[lastIndex].w
      // whoever is left out would be served after every waiter kept
      const lastWait = waits[placed.length]
      if (last === undefined || last.priority || position > lastIndex) {
        refuse(w, 'queue_full', lastWait)
        return undefined
      }
      queue.remove(last)
      refuse(last, 'queue_full', lastWait)
      // the queue has changed: where `w` goes now
      return { at, position: queue.positionOf(w, at) }
    },

    /** Refuse the queued waiters whose turn now comes too late (pushed back, or a slower budget than foreseen). */
    recheck (): void {
      const order = queue.placed()
      const waits = upcoming(order.length)
      const t = now()
      let gone = 0
      order.forEach(({ w }, i) => {
        const wait = waits[i - gone]
        if (w === undefined || w.startBy === undefined || t + wait <= w.startBy) return
        queue.remove(w)
        gone++
        refuse(w, 'deadline', wait)
      })
    }
  }
}
