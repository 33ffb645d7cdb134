import type { ErrorType } from '../schemas/common.js'

export interface Unsent {
  /** what was not sent ("GET /listings"); undefined when no one call is concerned ("Not sent: …") */
  readonly subject: string | undefined
  readonly reason: string
}

const unsent = (subject: string | undefined, reason: string): Unsent => Object.freeze({ subject, reason })

export interface GatewayErrorInit {
  status_code: number | null
  error_type: ErrorType
  retryable: boolean
  retry_after_ms?: number | null
  attempts?: number
  /** for an error of a call that sent nothing: what was not sent (none: no one call) and why, as a clause */
  unsent?: Unsent
  cause?: unknown
}

/**
 * The one error type of the gateway, already categorized by the error taxonomy (docs/contract.md):
 * upstream failures, refusals of the limiter, the breaker or the shared state (Redis), items that
 * break a rule, internal errors. Built only by the named constructors below, which hold the rules
 * of each kind (an `unprocessed` error sent nothing and may be resent; a not found is never
 * retried…); its fields are read-only (`withAttempts` makes a copy).
 * `message` is sanitized: it never carries a token, a secret or a full URL with credentials.
 * `status_code` is the upstream HTTP status (null when none was received: timeout, network error,
 * abort, refusal).
 */
export class GatewayError extends Error {
  readonly status_code: number | null
  readonly error_type: ErrorType
  readonly retryable: boolean
  readonly retry_after_ms: number | null
  readonly attempts: number
  /** What was not sent and why (set by the constructors of unsent errors, undefined otherwise): no reason is parsed back out of a message. */
  readonly unsent: Unsent | undefined

  protected constructor (message: string, init: GatewayErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause })
    this.name = 'GatewayError'
    this.status_code = init.status_code
    this.error_type = init.error_type
    this.retryable = init.retryable
    this.retry_after_ms = init.retry_after_ms ?? null
    this.attempts = init.attempts ?? 0
    this.unsent = init.unsent
  }

  /**
   * Nothing was sent, so it is safe to resend (`retryable`, `attempts: 0`): "<subject> was not
   * sent: <reason>", or "Not sent: <reason>" when no one call is concerned (a job's item, the
   * shared state). `retryAfterMs`: when trying again may succeed (null: no hint).
   */
  static unprocessed (subject: string | undefined, reason: string, retryAfterMs: number | null = null): GatewayError {
    return new GatewayError(...unprocessedParts(subject, reason, retryAfterMs))
  }

  /**
   * A call refused before anything was sent (circuit breaker, rate-limiter admission): retryable
   * (nothing was sent, so even a write may be resent), `retry_after_ms` = the refusal's hint
   * rounded up, at least 1. `errorType`: `upstream_error` for the breaker, `rate_limit` or
   * `unprocessed` for the limiter. Without a subject the message is the reason alone.
   */
  static refused (subject: string | undefined, reason: string, retryAfterMs: number, errorType: ErrorType = 'upstream_error'): GatewayError {
    return new GatewayError(subject === undefined ? reason : `${subject} was not sent: ${reason}`, {
      status_code: null, error_type: errorType, retryable: true, retry_after_ms: Math.max(1, Math.ceil(retryAfterMs)), attempts: 0, unsent: unsent(subject, reason)
    })
  }

  /** A write that was sent (or may have been) but not confirmed: it may have been applied; resend only when `retryable` (idempotent). */
  static outcomeUnknown (message: string, init: { attempts: number, retryable: boolean, status_code?: number | null }): GatewayError {
    return new GatewayError(message, { status_code: init.status_code ?? null, error_type: 'outcome_unknown', retryable: init.retryable, attempts: init.attempts })
  }

  /** What was asked for does not exist (upstream 404, or known missing): never retried. */
  static notFound (message: string, init: { status_code?: number | null, attempts?: number } = {}): GatewayError {
    return new GatewayError(message, { status_code: init.status_code === undefined ? 404 : init.status_code, error_type: 'not_found', retryable: false, attempts: init.attempts ?? 0 })
  }

  /** An item (or an argument) that breaks a rule: it fails alone, never sent, not worth resending as is. */
  static invalid (message: string): GatewayError {
    return new GatewayError(message, { status_code: null, error_type: 'validation_error', retryable: false, attempts: 0 })
  }

  /** A bug of ours (or of a dependency): nothing of it reaches a caller but the message given here. */
  static internal (message: string, cause?: unknown): GatewayError {
    return new GatewayError(message, { status_code: null, error_type: 'internal_error', retryable: false, attempts: 0, cause })
  }

  /**
   * A failure already classified by its caller's rules (services/hostaway/call/classify.ts: the
   * taxonomy of upstream answers, network errors and timeouts; a send's decision; the token's).
   */
  static classified (message: string, init: GatewayErrorInit): GatewayError {
    return new GatewayError(message, init)
  }

  /** This error with another attempt count (errors may be shared between calls: each reports its own). */
  withAttempts (attempts: number): GatewayError {
    return new GatewayError(this.message, {
      status_code: this.status_code,
      error_type: this.error_type,
      retryable: this.retryable,
      retry_after_ms: this.retry_after_ms,
      attempts,
      unsent: this.unsent
    })
  }
}

/** The message and fields of an `unprocessed` error (GatewayError.unprocessed), for the subclasses of GatewayError. */
export function unprocessedParts (subject: string | undefined, reason: string, retryAfterMs: number | null): [string, GatewayErrorInit] {
  const message = subject === undefined ? `Not sent: ${reason}` : `${subject} was not sent: ${reason}`
  return [message, { status_code: null, error_type: 'unprocessed', retryable: true, retry_after_ms: retryAfterMs, attempts: 0, unsent: unsent(subject, reason) }]
}

const STATUS: Record<ErrorType, number> = {
  not_found: 404,
  validation_error: 400,
  // the caller: no valid X-API-Key / refused by the gateway
  unauthorized: 401,
  forbidden: 403,
  // the caller's method on a path that exists: the Allow header lists the methods it takes
  method_not_allowed: 405,
  // the gateway's own Hostaway credentials were rejected: the gateway, not the caller, is misconfigured
  upstream_auth: 502,
  conflict: 409,
  rate_limit: 503,
  timeout: 504,
  unprocessed: 503,
  outcome_unknown: 504,
  upstream_error: 502,
  network_error: 502,
  internal_error: 500
}

/**
 * The gateway status of each error type: what a single-item route answers, and the `status_code`
 * of a failed batch item (docs/contract.md, "Error taxonomy").
 */
export function statusForErrorType (errorType: ErrorType): number {
  return STATUS[errorType] ?? 500
}

/** What the caller (or an operator) can do about each kind of failure: the `remediation` of a failed batch item. */
export const REMEDIATION: Record<ErrorType, string> = {
  not_found: 'Check the id; the item does not exist upstream.',
  validation_error: 'Fix the item and send it again.',
  unauthorized: 'Send a valid X-API-Key header (one of the gateway\'s API_KEYS).',
  forbidden: 'The gateway refused this caller; ask an operator for access.',
  method_not_allowed: 'Send the request with one of the methods the Allow header lists.',
  upstream_auth: 'The gateway\'s Hostaway credentials or token were rejected upstream; an operator must fix HOSTAWAY_ACCOUNT_ID / HOSTAWAY_API_KEY or the Hostaway account\'s access.',
  conflict: 'The item changed upstream meanwhile; fetch it again and retry.',
  rate_limit: 'The upstream rate limit was reached; resend this item after retry_after_ms.',
  timeout: 'The upstream did not answer in time; resend this item.',
  unprocessed: 'Not sent before the batch deadline; resend this item (it is safe), or raise timeout_ms.',
  outcome_unknown: 'Sent but not answered before the deadline: it may have been applied. Check the item before resending, or resend if the write is idempotent.',
  upstream_error: 'The upstream failed; resend this item later.',
  network_error: 'The upstream could not be reached; resend this item later.',
  internal_error: 'A gateway error; report it with the request id.'
}
