import type { OperationResult } from '../../schemas/batch.js'
import type { CallerContext } from '../operations.js'

/**
 * What a batch of one caller runs with, the same for every batch operation (listing updates, the
 * lookups, the #23 writes): its fair share, deadline, signal and progress, and — when it runs as a
 * job (services/jobs/) — no deadline, its checkpoint's items as known results, the gate before each
 * item and each item's result as it settles.
 */

/**
 * How a job runs a batch operation: without a deadline (it ends when every item ran, or by its
 * signal), resumed from the items an earlier run finished, each item's start asked for and each
 * item's result told as it settles (the batch engine's `starting` and `onItem`).
 */
export interface JobHooks {
  /** Results of items an earlier run of the job finished (its checkpoint), by position: reported as they are, never run again. */
  finished: ReadonlyMap<number, OperationResult<unknown>>
  /**
   * Awaited before an item starts (before its rate-limit wait): a rejection leaves the item unsent
   * with that error (the job was cancelled, the gateway shuts down); a durable job records here that
   * the item started, so that a run resumed after a crash never sends it again.
   */
  starting: (index: number) => Promise<void>
  /** The result of an item as it settles (the job's progress and checkpoint); the batch's response stays the final word. */
  settled: (result: OperationResult<unknown>) => void
}

/**
 * The deadline of a job's batch (ms): the longest a timer can wait (~24.8 days), i.e. none; a job
 * ends when its items ran, or by its signal (cancel, shutdown).
 */
export const JOB_DEADLINE_MS = 2 ** 31 - 1

/** Whose fair share of the upstream budget an operation uses: the API key's id, or `ip:<address>` when the API is open. */
export function shareOf (ctx: Pick<CallerContext, 'share' | 'caller'>): string {
  return ctx.share ?? ctx.caller.id
}

/** The batch engine's options for a batch of this caller (its items wait in the batch lane, by the batch's deadline, or as a job). */
export function batchOptions (ctx: CallerContext, timeoutMs: number | undefined) {
  const common = { logger: ctx.logger, signal: ctx.signal, share: shareOf(ctx), onSettled: ctx.progress }
  if (ctx.job === undefined) return { ...common, timeoutMs }
  return { ...common, timeoutMs: JOB_DEADLINE_MS, starting: ctx.job.starting, onItem: ctx.job.settled }
}

/**
 * The items of a batch known before it runs, by position: those refused by a rule (never sent), then
 * those an earlier run finished — the Idempotency-Key's checkpoint, or the job's.
 */
export function knownResults<T> (length: number, refused: ReadonlyArray<OperationResult<T> | undefined> | undefined, ...earlier: Array<ReadonlyMap<number, OperationResult<unknown>> | undefined>): Array<OperationResult<T> | undefined> {
  // the usual case (a lookup, not a job): nothing known, without a lookup per position
  if (refused === undefined && earlier.every((m) => m === undefined || m.size === 0)) return new Array<OperationResult<T> | undefined>(length).fill(undefined)
  return Array.from({ length }, (_, i) => {
    const known = refused?.[i] ?? earlier.find((m) => m?.has(i) === true)?.get(i)
    return known as OperationResult<T> | undefined
  })
}
