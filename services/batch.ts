import { setMaxListeners } from 'node:events'
import type { FastifyBaseLogger } from 'fastify'
import { succeeded, type ErrorType } from '../schemas/common.js'
import type { OperationResult, PartialFailureResponse } from '../schemas/batch.js'
import { HostawayError, REMEDIATION, statusForErrorType } from './errors.js'
import { abortError, abortMessage } from './hostaway/abort.js'
import type { BoundCallOptions } from './hostaway/types.js'
import { scrub } from './redact.js'

/** An operation of a batch: it is given the batch's signal and place in the rate-limiter queue, and reports each upstream attempt. */
export type Operation<T> = (opts: BoundCallOptions) => Promise<T>

export interface BatchOptions {
  /** Items in flight at once. */
  concurrency: number
  /** Deadline of the whole batch (ms): then the signal given to every operation aborts. */
  timeoutMs: number
  /** Operations with the same operation id run once and share their result (lookups). */
  dedupe?: boolean
  /** An outer signal (e.g. the caller went away) that ends the batch like the deadline does. */
  signal?: AbortSignal
  /**
   * Whose fair share of the upstream budget the items use (default: one anonymous caller). They wait
   * in the batch lane, behind the same caller's single-item requests, and an item whose turn would
   * come past the deadline is refused at once (unprocessed, with retry_after_ms).
   */
  caller?: string
  logger: Pick<FastifyBaseLogger, 'warn'>
  /** Literal secrets to scrub from the messages of unexpected errors. */
  secrets: readonly string[]
  /** Called as each item (each distinct one, with dedupe) settles: how many have, of how many (MCP progress notifications). */
  onSettled?: (settled: number, total: number) => void
}

/** How long an operation may take to settle once the batch signal aborted (ms). */
const ABORT_GRACE_MS = 1000

/** The batch's own failures: an item it never started, or an operation that ignored the abort. */
class BatchItemError extends Error {
  constructor (readonly errorType: 'unprocessed' | 'internal_error', message: string) {
    super(message)
    this.name = 'BatchItemError'
  }
}

interface Outcome<T> {
  ok: boolean
  data?: T
  error?: unknown
  attempts: number
}

function failureFields (error: unknown, attempts: number, secrets: readonly string[]) {
  if (error instanceof HostawayError) {
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

function toResult<T> (outcome: Outcome<T>, index: number, operationId: string, secrets: readonly string[]): OperationResult<T> {
  if (outcome.ok) return succeeded(outcome.data ?? null, index, operationId, outcome.attempts)
  const fields = failureFields(outcome.error, outcome.attempts, secrets)
  return { success: false, data: null, operation_id: operationId, index, remediation: REMEDIATION[fields.error_type], ...fields }
}

/** Log a failed item (`attempts`: as reported, by default the result's). */
function logFailed (logger: Pick<FastifyBaseLogger, 'warn'>, failed: OperationResult<unknown>, attempts = failed.attempts): void {
  logger.warn({ operation_id: failed.operation_id, index: failed.index, error_type: failed.error_type, error: failed.error, attempts }, 'batch item failed')
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

/**
 * Run every operation — each one even if others fail — with bounded concurrency and a deadline,
 * and report every item exactly once, in request order, as a PartialFailureResponse
 * (docs/contract.md). Never throws for item failures; operations start in request order.
 *
 * At the deadline (or when `signal` aborts) the signal given to the operations aborts, and each
 * operation reports how far it got (the Hostaway client classifies: unprocessed / timeout /
 * outcome_unknown). Items not started by then are `unprocessed`; an operation still running
 * ABORT_GRACE_MS after the abort is reported as an `internal_error`, not awaited.
 */
export async function executeBatch<T> (operations: ReadonlyArray<Operation<T>>, operationIds: ReadonlyArray<string | number>, options: BatchOptions): Promise<PartialFailureResponse<T>> {
  if (operationIds.length !== operations.length) {
    throw new RangeError(`executeBatch: ${operations.length} operations but ${operationIds.length} operation ids`)
  }
  const ids = operationIds.map(String)
  const { secrets } = options

  // With dedupe, positions sharing an id share one execution (the first position's).
  const owner: number[] = ids.map((_, i) => i)
  if (options.dedupe === true) {
    const first = new Map<string, number>()
    ids.forEach((id, i) => {
      const seen = first.get(id)
      if (seen === undefined) first.set(id, i)
      else owner[i] = seen
    })
  }
  const runs = owner.filter((o, i) => o === i)

  const controller = new AbortController()
  const { signal } = controller
  /** the next item to start */
  let next = 0
  let ended = false
  // the items not started yet: the rate limiter keeps turns for them (this caller's fair share)
  const backlog = () => ended || signal.aborted ? 0 : runs.length - next
  const admission = { caller: options.caller ?? '', lane: 'batch' as const, deadline: performance.now() + options.timeoutMs, backlog }
  // every running item listens on this one signal; a batch may hold BATCH_MAX_ITEMS of them
  setMaxListeners(0, signal)
  const timer = setTimeout(() => controller.abort(abortError(`the batch deadline of ${options.timeoutMs} ms passed`)), options.timeoutMs)
  const onOuterAbort = () => controller.abort(options.signal?.reason)
  if (options.signal?.aborted === true) onOuterAbort()
  else options.signal?.addEventListener('abort', onOuterAbort, { once: true })

  // the safety net: rejects ABORT_GRACE_MS after the abort, for operations that ignore their signal
  let graceTimer: NodeJS.Timeout | undefined
  const overdue = new Promise<never>((_resolve, reject) => {
    const arm = () => {
      graceTimer = setTimeout(() => reject(new BatchItemError('internal_error', `the operation did not stop within ${ABORT_GRACE_MS} ms after ${abortMessage(signal)}`)), ABORT_GRACE_MS)
    }
    if (signal.aborted) arm()
    else signal.addEventListener('abort', arm, { once: true })
  })
  overdue.catch(() => {})

  const outcomes = new Map<number, Outcome<T>>()

  async function runOne (i: number): Promise<void> {
    const outcome: Outcome<T> = { ok: false, attempts: 0 }
    outcomes.set(i, outcome)
    if (signal.aborted) {
      outcome.error = new BatchItemError('unprocessed', `Not sent: ${abortMessage(signal)} before this item started`)
      return
    }
    try {
      outcome.data = await Promise.race([operations[i]({ signal, admission, onAttempt: () => { outcome.attempts++ } }), overdue])
      outcome.ok = true
    } catch (err) {
      outcome.error = err
    }
  }

  let settled = 0
  async function worker (): Promise<void> {
    while (next < runs.length) {
      await runOne(runs[next++])
      options.onSettled?.(++settled, runs.length)
    }
  }

  try {
    await Promise.all(Array.from({ length: Math.min(Math.max(1, options.concurrency), runs.length) }, worker))
  } finally {
    ended = true
    clearTimeout(timer)
    clearTimeout(graceTimer)
    options.signal?.removeEventListener('abort', onOuterAbort)
  }

  return toPartialFailureResponse(ids.map((id, index) => {
    const result = toResult(outcomes.get(owner[index]) as Outcome<T>, index, id, secrets)
    if (!result.success) logFailed(options.logger, result)
    return result
  }))
}

/**
 * A batch of which some items were refused before anything ran (`refused[i]` the error of item i,
 * else undefined, e.g. a broken per-item rule): `run` gets the positions of the others, and each
 * item is reported at its own index, a refused one as its error with `attempts: 0`.
 */
export async function runAllowed<T> (
  ids: ReadonlyArray<string | number>,
  refused: readonly unknown[],
  run: (positions: number[]) => Promise<PartialFailureResponse<T>>,
  logger: Pick<FastifyBaseLogger, 'warn'>
): Promise<PartialFailureResponse<T>> {
  const positions = ids.flatMap((_, i) => refused[i] === undefined ? [i] : [])
  const ran = positions.length === 0 ? [] : await run(positions).then((r) => [...r.successful, ...r.failed])
  const byPosition = new Map(ran.map((result) => [positions[result.index], { ...result, index: positions[result.index] }]))
  return toPartialFailureResponse(ids.map((id, index) => {
    const result = byPosition.get(index)
    if (result !== undefined) return result
    const failed = toResult<T>({ ok: false, error: refused[index], attempts: 0 }, index, String(id), [])
    // a refused item made no attempt here (its error may tell of earlier ones)
    logFailed(logger, failed, 0)
    return failed
  }))
}

/** executeBatch with the configured concurrency, default deadline and secrets: decorated as `fastify.runBatch`. */
export function createBatchRunner (settings: { concurrency: number, timeoutMs: number, secrets: readonly string[] }) {
  return function runBatch<T> (
    operations: ReadonlyArray<Operation<T>>,
    operationIds: ReadonlyArray<string | number>,
    run: { logger: Pick<FastifyBaseLogger, 'warn'>, timeoutMs?: number, dedupe?: boolean, signal?: AbortSignal, concurrency?: number, caller?: string, onSettled?: (settled: number, total: number) => void }
  ): Promise<PartialFailureResponse<T>> {
    return executeBatch(operations, operationIds, {
      ...settings,
      ...run,
      // a request without timeout_ms gets the configured deadline; a planned lookup runs every item at once
      timeoutMs: run.timeoutMs ?? settings.timeoutMs,
      concurrency: run.concurrency ?? settings.concurrency
    })
  }
}
