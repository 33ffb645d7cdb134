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
  readonly signal: AbortSignal
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

export function openRunScope ({ concurrency, timeoutMs, signal: outer, share }: RunScopeOptions): RunScope {
  const controller = new AbortController()
  const { signal } = controller
  // every running item listens on this one signal; a batch may hold BATCH_MAX_ITEMS of them
  setMaxListeners(0, signal)
  let ended = false
  /** items queued in pools, not started yet */
  let waiting = 0
  const backlog = () => ended || signal.aborted ? 0 : waiting
  const admission: Admission = { share, lane: 'batch', deadline: performance.now() + timeoutMs, backlog }

  const timer = setTimeout(() => controller.abort(abortError(`the batch deadline of ${timeoutMs} ms passed`)), timeoutMs)
  const onOuterAbort = () => controller.abort(outer?.reason)
  if (outer?.aborted === true) onOuterAbort()
  else outer?.addEventListener('abort', onOuterAbort, { once: true })

  let graceTimer: NodeJS.Timeout | undefined
  const overdue = new Promise<never>((_resolve, reject) => {
    const arm = () => {
      graceTimer = setTimeout(() => reject(new BatchItemError('internal_error', `the operation did not stop within ${ABORT_GRACE_MS} ms after ${abortMessage(signal)}`)), ABORT_GRACE_MS)
    }
    if (signal.aborted) arm()
    else signal.addEventListener('abort', arm, { once: true })
  })
  overdue.catch(() => {})

  return {
    signal,
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
    notStarted: () => new BatchItemError('unprocessed', `Not sent: ${abortMessage(signal)} before this item started`),
    close () {
      ended = true
      clearTimeout(timer)
      clearTimeout(graceTimer)
      outer?.removeEventListener('abort', onOuterAbort)
    }
  }
}
