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

/** The HTTP status the gateway answers with for a single-item route that failed upstream. */
export function gatewayStatusFor (err: HostawayError): number {
  return statusForErrorType(err.error_type)
}

/** The gateway status of each error type (also the `status_code` of a failed batch item). */
export function statusForErrorType (errorType: ErrorType): number {
  switch (errorType) {
    case 'not_found': return 404
    case 'validation_error': return 400
    case 'conflict': return 409
    case 'timeout': return 504
    case 'outcome_unknown': return 504
    case 'rate_limit': return 503
    case 'unprocessed': return 503
    case 'network_error': return 502
    case 'upstream_error': return 502
    case 'unauthorized': return 401
    case 'forbidden': return 403
    // our upstream credentials are wrong or revoked: the gateway, not the caller, is misconfigured
    case 'upstream_auth': return 502
    default: return 500
  }
}

/** What the caller can do about each kind of failure (the `remediation` of a failed batch item). */
export const REMEDIATION: Record<ErrorType, string> = {
  not_found: 'Check the id; the item does not exist upstream.',
  validation_error: 'Fix the item and send it again.',
  unauthorized: 'Send a valid X-API-Key header.',
  forbidden: 'This API key may not do this; use a key that may.',
  upstream_auth: 'The gateway\'s Hostaway credentials or token were rejected; an operator must fix HOSTAWAY_ACCOUNT_ID / HOSTAWAY_API_KEY or the Hostaway account\'s access.',
  conflict: 'The item changed upstream meanwhile; fetch it again and retry.',
  rate_limit: 'The upstream rate limit was reached; resend this item after retry_after_ms.',
  timeout: 'The upstream did not answer in time; resend this item.',
  unprocessed: 'Not sent before the batch deadline; resend this item (it is safe), or raise timeout_ms.',
  outcome_unknown: 'Sent but not answered before the deadline: it may have been applied. Check the item before resending, or resend if the write is idempotent.',
  upstream_error: 'The upstream failed; resend this item later.',
  network_error: 'The upstream could not be reached; resend this item later.',
  internal_error: 'A gateway error; report it with the request id.'
}
