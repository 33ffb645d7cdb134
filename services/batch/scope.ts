import { setMaxListeners } from 'node:events'
import { abortError, abortMessage } from '../abort.js'
import type { Admission } from '../limiter/types.js'
import { BatchItemError } from './results.js'

/** How long a run's work may take to settle once the run's signal aborted (ms). */
export const ABORT_GRACE_MS = 1000

/**
 * What every piece of work of one batch run shares, declared once: the signal (the deadline, or the
 * outer signal, aborts it), the place in the rate-limiter queue (the caller's fair share, the batch
 * lane, the deadline, and the backlog), the bounded pool items run in, and the grace after an abort.
 */
export interface RunScope {
  /** Aborts at the deadline or with the outer signal; asking for it arms the run's abort machinery (openRunScope). */
  readonly signal: AbortSignal
  /** Whether the run was aborted, without arming anything. */
  aborted (): boolean
  /**
   * The run's admission. Its backlog is the items queued in the run's pools and not started yet:
   * the rate limiter keeps turns for them (this caller's fair share). Nothing else counts it.
   */
  readonly admission: Admission
  /**
   * Runs `work` for each item, in order, at most the run's concurrency at once; resolves when every
   * item's work settled (work must not reject). Items waiting here are the run's backlog.
   */
  pool<I> (items: readonly I[], work: (item: I) => Promise<void>): Promise<void>
  /** Rejects ABORT_GRACE_MS after the abort (a BatchItemError, internal_error): the net for work that ignores its signal. */
  readonly overdue: Promise<never>
  /** The error of an item not started when the run was aborted (unprocessed). */
  notStarted (): BatchItemError
  /** Stop the timers and listeners: the run is over. */
  close (): void
}

export interface RunScopeOptions {
  concurrency: number
  timeoutMs: number
  /** an outer signal (e.g. the caller went away) that ends the run like the deadline does */
  signal?: AbortSignal
  /** the fair-share key: whose share of the upstream budget the run uses */
  share: string
}

/**
 * Runs opened in this turn of the event loop whose abort machinery is not armed yet (see
 * openRunScope): armed together at the next check phase, unless they ended before it.
 */
const unarmed = new Set<() => void>()
let sweep: NodeJS.Immediate | undefined

function armLater (arm: () => void): void {
  unarmed.add(arm)
  sweep ??= setImmediate(() => {
    sweep = undefined
    const due = [...unarmed]
    unarmed.clear()
    for (const fn of due) fn()
  })
}

/**
 * The scope of one run. Its abort machinery (the AbortController, the deadline's timer, the
 * listener on the outer signal, the grace timer's trigger) is armed when something asks for the
 * signal (any upstream call, limiter wait or pool of per-item work does) or, at the latest, in the
 * check phase of the event-loop turn the run started in: a run answered from the cache alone
 * (a warm batch lookup: a few microtasks) ends before that and never pays for it (it was ~8 % of
 * a warm batch's CPU). The deadline counts from the opening either way.
 */
export function openRunScope ({ concurrency, timeoutMs, signal: outer, share }: RunScopeOptions): RunScope {
  const deadline = performance.now() + timeoutMs
  let controller: AbortController | undefined
  let ended = false
  /** items queued in pools, not started yet */
  let waiting = 0
  const backlog = () => ended || controller?.signal.aborted === true ? 0 : waiting
  const admission: Admission = { share, lane: 'batch', deadline, backlog }

  let timer: NodeJS.Timeout | undefined
  let graceTimer: NodeJS.Timeout | undefined
  let rejectOverdue: (error: BatchItemError) => void = () => {}
  const overdue = new Promise<never>((_resolve, reject) => { rejectOverdue = reject })
  overdue.catch(() => {})

  /** Abort the run (the deadline, or the outer signal): its work stops, and has ABORT_GRACE_MS to settle. */
  function abort (reason: unknown): void {
    const signal = arm()
    if (signal.aborted) return
    controller?.abort(reason)
    graceTimer = setTimeout(() => rejectOverdue(new BatchItemError('internal_error', `the operation did not stop within ${ABORT_GRACE_MS} ms after ${abortMessage(signal)}`)), ABORT_GRACE_MS)
  }
  const onOuterAbort = () => abort(outer?.reason)

  function arm (): AbortSignal {
    if (controller !== undefined) return controller.signal
    controller = new AbortController()
    // every running item listens on this one signal; a batch may hold BATCH_MAX_ITEMS of them
    setMaxListeners(0, controller.signal)
    unarmed.delete(armNow)
    if (ended) return controller.signal
    timer = setTimeout(() => abort(abortError(`the batch deadline of ${timeoutMs} ms passed`)), Math.max(0, deadline - performance.now()))
    if (outer?.aborted === true) onOuterAbort()
    else outer?.addEventListener('abort', onOuterAbort, { once: true })
    return controller.signal
  }
  const armNow = () => { arm() }
  if (outer?.aborted === true) arm()
  else armLater(armNow)

  return {
    get signal () {
      return arm()
    },
    aborted: () => controller?.signal.aborted === true,
    admission,
    overdue,
    async pool (items, work) {
      let next = 0
      waiting += items.length
      const worker = async () => {
        while (next < items.length) {
          const item = items[next++]
          waiting--
          await work(item)
        }
      }
      await Promise.all(Array.from({ length: Math.min(Math.max(1, concurrency), items.length) }, worker))
    },
    notStarted: () => new BatchItemError('unprocessed', `Not sent: ${abortMessage(arm())} before this item started`),
    close () {
      ended = true
      unarmed.delete(armNow)
      clearTimeout(timer)
      clearTimeout(graceTimer)
      outer?.removeEventListener('abort', onOuterAbort)
    }
  }
}
