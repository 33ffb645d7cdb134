import type { ErrorType } from '../schemas/common.js'

export interface HostawayErrorInit {
  status_code: number | null
  error_type: ErrorType
  retryable: boolean
  retry_after_ms?: number | null
  attempts?: number
  cause?: unknown
}

/**
 * A failure of an upstream call, already categorized by the error taxonomy.
 * `message` is sanitized: it never carries a token, a secret or a full URL with credentials.
 * `status_code` is the upstream HTTP status (null when none was received: timeout, network error, abort).
 */
export class HostawayError extends Error {
  readonly status_code: number | null
  readonly error_type: ErrorType
  readonly retryable: boolean
  readonly retry_after_ms: number | null
  attempts: number

  constructor (message: string, init: HostawayErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause })
    this.name = 'HostawayError'
    this.status_code = init.status_code
    this.error_type = init.error_type
    this.retryable = init.retryable
    this.retry_after_ms = init.retry_after_ms ?? null
    this.attempts = init.attempts ?? 0
  }
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
