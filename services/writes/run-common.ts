import { httpErrors } from '@fastify/sensible'
import type { OperationResult, PartialFailureResponse } from '../../schemas/batch.js'
import type { PlannedCall, WriteOperation, DryRunResponse } from '../../schemas/dry-run.js'
import { unfinished } from '../batch/results.js'
import { GatewayError } from '../errors.js'
import { clientGone } from '../abort.js'
import { withIdempotency, type RunOutcome } from '../idempotency.js'
import type { CallerContext, OperationsDeps } from '../operations.js'
import type { BatchOperation } from '../telemetry.js'
import { knownResults } from '../batch/options.js'
import { dryRunSummary, estimateSlotsInMs, type DryRunItemInput } from './dry-run.js'

/**
 * What the #23 writes share on the batch engine: their deps, the batch options of a caller, the
 * per-item metrics, the Idempotency-Key run with resume from a checkpoint (as listing updates do it,
 * services/operations.ts), and the dry-run answer at the current upstream budget.
 */

/** What the writes are built with: the operations' own dependencies (services/operations.ts). */
export type WriteDeps = OperationsDeps

export type WriteContext = CallerContext & { idempotencyKey?: string }

/** The nominal duration of one upstream call (ms) a dry run adds to the start of the last one. */
export const NOMINAL_CALL_MS = 250

/** Reports each item that ran (not those answered by an earlier run: `earlier`). */
export function counted<T> (telemetry: WriteDeps['telemetry'], operation: BatchOperation, response: PartialFailureResponse<T>, earlier?: ReadonlySet<number>): PartialFailureResponse<T> {
  for (const { index } of response.successful) if (earlier?.has(index) !== true) telemetry.batchItem(operation, 'none')
  for (const { index, error_type: type } of response.failed) if (earlier?.has(index) !== true) telemetry.batchItem(operation, type ?? 'internal_error')
  return response
}

/** An item that breaks a per-item rule: it fails alone, never sent (`attempts: 0`). */
export function ruleError (message: string): GatewayError {
  return GatewayError.invalid(message)
}

/**
 * Run a write batch under its Idempotency-Key (none: it just runs): the same key and body replay
 * the stored result; a run its client left with items never sent is kept as a checkpoint, and the
 * next run with the key runs only those (`execute` gets every other item as settled).
 */
export async function idempotentRun<T> (deps: WriteDeps, spec: {
  operation: BatchOperation
  keySpace: { method: string, path: string }
  body: unknown
  ctx: WriteContext
  refused: ReadonlyArray<OperationResult<T> | undefined>
  execute: (settled: ReadonlyArray<OperationResult<T> | undefined>) => Promise<PartialFailureResponse<T>>
}): Promise<{ replayed: boolean, body: PartialFailureResponse<T>, earlier: Set<number> }> {
  const { ctx } = spec
  let earlier = new Set<number>()
  const run = async (resumeFrom: PartialFailureResponse<T> | undefined): Promise<RunOutcome<PartialFailureResponse<T>>> => {
    const finished = new Map<number, OperationResult<T>>()
    for (const result of resumeFrom === undefined ? [] : [...resumeFrom.successful, ...resumeFrom.failed]) {
      if (!unfinished(result)) finished.set(result.index, result)
    }
    // and, for a job resumed after its instance stopped, what the job's earlier run finished (services/jobs/)
    earlier = new Set([...finished.keys(), ...(ctx.job?.finished.keys() ?? [])])
    const settled = knownResults(spec.refused.length, spec.refused, finished, ctx.job?.finished)
    const response = counted(deps.telemetry, spec.operation, await spec.execute(settled), earlier)
    return { body: response, complete: !clientGone(ctx.signal) || !response.failed.some(unfinished) }
  }
  const outcome = await withIdempotency(deps.idempotency, {
    ...spec.keySpace, key: ctx.idempotencyKey, caller: ctx.caller.id, body: spec.body, ttlMs: deps.idempotencyTtlMs
  }, run)
  return { ...outcome, earlier }
}

/** Refuse a request without the Idempotency-Key a route requires (400 naming it; MCP: the argument). */
export function requireKey (ctx: WriteContext, name: string): void {
  // a job sends each item at most once by itself (its gate, services/jobs/): its request had the key
  if (ctx.idempotencyKey === undefined && ctx.job === undefined) {
    throw httpErrors.badRequest(`${name} is required on this write: a send that may have reached Hostaway is never repeated, so a retry must be recognised (send a unique key per batch, and the same key when resending it)`)
  }
}

/** The answer of a dry run: nothing sent, nothing stored; the finish time at the budget as the rate limiter sees it now. */
export function dryRun (deps: WriteDeps, operation: WriteOperation, items: readonly DryRunItemInput[], calls: readonly PlannedCall[]): DryRunResponse {
  const budget = deps.hostaway.rateBudget()
  const view = budget === undefined
    ? { cap: 1, windowMs: 0, inWindow: 0, nextSlotInMs: 0 }
    // a lower bound: the slots taken are counted as freeing at once when the window has none free
    : { cap: budget.perWindow, windowMs: budget.windowMs, inWindow: budget.perWindow - budget.free, nextSlotInMs: 0 }
  return dryRunSummary({
    operation,
    items,
    calls,
    slotsInMs: estimateSlotsInMs(view, calls.length),
    callMs: NOMINAL_CALL_MS,
    now: (deps.now ?? Date.now)()
  })
}
