import type { FastifyBaseLogger } from 'fastify'
import { succeeded, type ErrorType } from '../../schemas/common.js'
import type { OperationResult, PartialFailureResponse } from '../../schemas/batch.js'
import { GatewayError, REMEDIATION, statusForErrorType } from '../errors.js'
import { scrub } from '../redact.js'

/**
 * Result assembly of a batch run: what each item's outcome becomes in the PartialFailureResponse
 * (docs/contract.md), which items of a checkpoint are finished, and the failure log lines.
 */

/** How one item of a run ended, with the upstream attempts made for it. */
export type Outcome<T> =
  | { ok: true, value: T, attempts: number }
  | { ok: false, error: unknown, attempts: number }

/** The run's own failures: an item it never started, or one whose work ignored the abort or was never answered. */
export class BatchItemError extends Error {
  constructor (readonly errorType: 'unprocessed' | 'internal_error', message: string) {
    super(message)
    this.name = 'BatchItemError'
  }
}

function failureFields (error: unknown, attempts: number, secrets: readonly string[]) {
  if (error instanceof GatewayError) {
    // the client classified it, deadline included (unprocessed / timeout / outcome_unknown)
    return {
      error: error.message,
      error_type: error.error_type,
      status_code: statusForErrorType(error.error_type),
      retryable: error.retryable,
      retry_after_ms: error.retry_after_ms,
      attempts: Math.max(error.attempts, attempts)
    }
  }
  const errorType: ErrorType = error instanceof BatchItemError ? error.errorType : 'internal_error'
  return {
    error: scrub(error instanceof Error ? error.message : String(error), secrets),
    error_type: errorType,
    status_code: statusForErrorType(errorType),
    retryable: errorType === 'unprocessed',
    retry_after_ms: null,
    attempts
  }
}

/** The reported result of an item's outcome at `index`. */
export function toResult<T> (outcome: Outcome<T>, index: number, operationId: string, secrets: readonly string[]): OperationResult<T> {
  if (outcome.ok) return succeeded(outcome.value ?? null, index, operationId, outcome.attempts)
  const fields = failureFields(outcome.error, outcome.attempts, secrets)
  return { success: false, data: null, operation_id: operationId, index, remediation: REMEDIATION[fields.error_type], ...fields }
}

/**
 * The failed items of a batch in the log, in proportion to the upstream work done: one line per
 * item that was sent, and per bug of ours (`batch item failed`), and one line per batch for all the
 * items never sent (broken per-item rules, refusals, the deadline: `batch items not sent`, counted
 * by error type, with the first one's error), however many there are.
 */
export function logFailures (logger: Pick<FastifyBaseLogger, 'warn'>, failed: ReadonlyArray<OperationResult<unknown>>): void {
  const unsent: Array<OperationResult<unknown>> = []
  for (const item of failed) {
    if (item.attempts === 0 && item.error_type !== 'internal_error') unsent.push(item)
    else logger.warn({ operation_id: item.operation_id, index: item.index, error_type: item.error_type, error: item.error, attempts: item.attempts }, 'batch item failed')
  }
  if (unsent.length === 0) return
  const byType: Record<string, number> = {}
  for (const { error_type: type } of unsent) if (type !== null) byType[type] = (byType[type] ?? 0) + 1
  const [first] = unsent
  logger.warn({
    count: unsent.length,
    error_types: byType,
    first: { operation_id: first.operation_id, index: first.index, error_type: first.error_type, error: first.error }
  }, 'batch items not sent')
}

/** The result of an item that fails before anything is sent for it (e.g. a broken per-item rule): `attempts: 0`. */
export function unsentResult<T> (error: unknown, index: number, operationId: string): OperationResult<T> {
  return toResult<T>({ ok: false, error, attempts: 0 }, index, operationId, [])
}

/**
 * Whether an item of a batch that was cut short is still to do: never sent and safe to send
 * (`unprocessed`, or refused by the breaker), so a run resumed from its checkpoint runs it. Every
 * other item is finished and keeps its result: a success, a definite failure, or a write sent
 * without an answer (`outcome_unknown`), which is never sent again.
 */
export function unfinished (result: OperationResult<unknown>): boolean {
  return !result.success && result.attempts === 0 && result.retryable
}

/** The finished items of a checkpoint (an earlier run of the same batch, cut short), by position. */
export function finishedItems<T> (checkpoint: PartialFailureResponse<T> | undefined): Map<number, OperationResult<T>> {
  const finished = new Map<number, OperationResult<T>>()
  for (const result of checkpoint === undefined ? [] : [...checkpoint.successful, ...checkpoint.failed]) {
    if (!unfinished(result)) finished.set(result.index, result)
  }
  return finished
}

/** Assemble the response from per-item results given in request order. */
export function toPartialFailureResponse<T> (results: Array<OperationResult<T>>): PartialFailureResponse<T> {
  const successful = results.filter((r) => r.success)
  const failed = results.filter((r) => !r.success)
  return {
    successful,
    failed,
    total_count: results.length,
    success_count: successful.length,
    failure_count: failed.length,
    has_failures: failed.length > 0,
    has_successes: successful.length > 0,
    partial_success: successful.length > 0 && failed.length > 0
  }
}
