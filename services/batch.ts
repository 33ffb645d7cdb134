import { setMaxListeners } from 'node:events'
import type { ErrorType } from '../schemas/common.js'
import type { OperationResult, PartialFailureResponse } from '../schemas/batch.js'
import { HostawayError, statusForErrorType } from './errors.js'
import { scrub } from './redact.js'

/** What an operation receives: abort it at the deadline, and report each upstream attempt. */
export interface OperationContext {
  signal: AbortSignal
  onAttempt: () => void
}

/** An operation of a batch. Zero-argument functions work too (the original signature). */
export type Operation<T> = (ctx: OperationContext) => Promise<T>

export interface BatchLogger {
  warn: (obj: object, msg: string) => void
}

export interface BatchOptions {
  /** Items in flight at once (default 8). */
  concurrency?: number
  /** Deadline for the whole batch (ms). Items never started by then fail as `unprocessed`. */
  timeoutMs?: number
  /** `write` makes an item that was sent but not answered by the deadline `outcome_unknown` instead of `timeout`. */
  kind?: 'read' | 'write'
  /** For writes: whether resending is safe (PUT) — decides `retryable` of `outcome_unknown`. */
  idempotent?: boolean
  /** Operations with the same operation id run once and share their result (lookups). */
  dedupe?: boolean
  /** An outer signal (e.g. the client went away) that ends the batch like the deadline does. */
  signal?: AbortSignal
  logger?: BatchLogger
  /** Literal secrets to scrub from error messages. */
  secrets?: readonly string[]
}

const DEFAULT_CONCURRENCY = 8
const DEFAULT_TIMEOUT_MS = 30_000

const REMEDIATION: Record<ErrorType, string> = {
  not_found: 'Check the id; the item does not exist upstream.',
  validation_error: 'Fix the item and send it again.',
  unauthorized: 'The gateway\'s Hostaway credentials were rejected; an operator must fix HOSTAWAY_ACCOUNT_ID / HOSTAWAY_API_KEY.',
  forbidden: 'The gateway\'s Hostaway token was refused; an operator must check the Hostaway account.',
  conflict: 'The item changed upstream meanwhile; fetch it again and retry.',
  rate_limit: 'The upstream rate limit was reached; resend this item after retry_after_ms.',
  timeout: 'The upstream did not answer in time; resend this item.',
  unprocessed: 'Not sent before the batch deadline; resend this item (it is safe), or raise timeout_ms.',
  outcome_unknown: 'Sent but not answered before the deadline: it may have been applied. Check the item before resending, or resend if the write is idempotent.',
  upstream_error: 'The upstream failed; resend this item later.',
  network_error: 'The upstream could not be reached; resend this item later.',
  internal_error: 'A gateway error; report it with the request id.'
}

class DeadlineError extends Error {
  constructor () {
    super('batch deadline reached')
    this.name = 'DeadlineError'
  }
}

interface Outcome<T> {
  ok: boolean
  data?: T
  error?: unknown
  attempts: number
  started: boolean
}

function failureFields (error: unknown, outcome: Outcome<unknown>, options: BatchOptions) {
  if (error instanceof HostawayError) {
    return {
      error: scrub(error.message, options.secrets),
      error_type: error.error_type,
      status_code: statusForErrorType(error.error_type),
      retryable: error.retryable,
      retry_after_ms: error.retry_after_ms,
      attempts: Math.max(error.attempts, outcome.attempts)
    }
  }
  if (error instanceof DeadlineError) {
    // The operation did not settle by the deadline (it ignored the signal): classify from what we saw.
    const sent = outcome.attempts > 0
    const errorType: ErrorType = !sent ? 'unprocessed' : options.kind === 'write' ? 'outcome_unknown' : 'timeout'
    return {
      error: sent ? 'No answer before the batch deadline' : 'Not sent before the batch deadline',
      error_type: errorType,
      status_code: statusForErrorType(errorType),
      retryable: errorType !== 'outcome_unknown' || options.idempotent === true,
      retry_after_ms: null,
      attempts: outcome.attempts
    }
  }
  const message = error instanceof Error ? error.message : String(error)
  return {
    error: scrub(message, options.secrets),
    error_type: 'internal_error' as const,
    status_code: 500,
    retryable: false,
    retry_after_ms: null,
    attempts: outcome.attempts
  }
}

function toResult<T> (outcome: Outcome<T>, index: number, operationId: string, options: BatchOptions): OperationResult<T> {
  if (outcome.ok) {
    return {
      success: true,
      data: outcome.data ?? null,
      error: null,
      operation_id: operationId,
      index,
      error_type: null,
      status_code: null,
      retryable: false,
      retry_after_ms: null,
      remediation: null,
      attempts: outcome.attempts
    }
  }
  const fields = failureFields(outcome.error, outcome as Outcome<unknown>, options)
  return {
    success: false,
    data: null,
    operation_id: operationId,
    index,
    remediation: REMEDIATION[fields.error_type],
    ...fields
  }
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
 * and report every item exactly once, in request order, as a PartialFailureResponse.
 * Never throws for item failures. Operations start in request order.
 */
export async function executeBatch<T> (
  operations: ReadonlyArray<Operation<T>>,
  operationIds?: ReadonlyArray<string | number>,
  options: BatchOptions = {}
): Promise<PartialFailureResponse<T>> {
  const ids = operationIds === undefined
    ? operations.map((_, i) => `op_${i}`)
    : operationIds.map(String)
  if (ids.length !== operations.length) {
    throw new RangeError(`executeBatch: ${operations.length} operations but ${ids.length} operation ids`)
  }
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY)
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS

  // With dedupe, positions sharing an id share one execution (the first position's).
  const owner: number[] = operations.map((_, i) => i)
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
  // every queued item listens on this one signal; a batch may hold BATCH_MAX_ITEMS of them
  setMaxListeners(0, controller.signal)
  let deadlineReached = false
  let rejectDeadline: (err: DeadlineError) => void = () => {}
  const deadline = new Promise<never>((_resolve, reject) => { rejectDeadline = reject })
  deadline.catch(() => {})
  const stop = () => {
    if (deadlineReached) return
    deadlineReached = true
    controller.abort(new DeadlineError())
    rejectDeadline(new DeadlineError())
  }
  const timer = setTimeout(stop, timeoutMs)
  const onOuterAbort = () => stop()
  options.signal?.addEventListener('abort', onOuterAbort, { once: true })
  if (options.signal?.aborted === true) stop()

  const outcomes = new Map<number, Outcome<T>>()
  let next = 0

  async function runOne (i: number): Promise<void> {
    const outcome: Outcome<T> = { ok: false, attempts: 0, started: false }
    outcomes.set(i, outcome)
    if (deadlineReached) {
      outcome.error = new DeadlineError()
      return
    }
    outcome.started = true
    const ctx: OperationContext = {
      signal: controller.signal,
      onAttempt: () => { outcome.attempts++ }
    }
    try {
      outcome.data = await Promise.race([operations[i](ctx), deadline])
      outcome.ok = true
    } catch (err) {
      outcome.error = err
    }
  }

  async function worker (): Promise<void> {
    while (next < runs.length) {
      const i = runs[next++]
      await runOne(i)
    }
  }

  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, runs.length) }, worker))
  } finally {
    clearTimeout(timer)
    options.signal?.removeEventListener('abort', onOuterAbort)
  }

  const results = ids.map((id, index) => {
    const outcome = outcomes.get(owner[index]) as Outcome<T>
    const result = toResult(outcome, index, id, options)
    if (!result.success && options.logger !== undefined) {
      options.logger.warn({ operation_id: id, index, error_type: result.error_type, error: result.error, attempts: result.attempts }, `Batch operation ${id} failed`)
    }
    return result
  })
  return toPartialFailureResponse(results)
}
