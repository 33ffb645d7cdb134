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
    // our upstream credentials are wrong or revoked: the gateway, not the caller, is misconfigured
    case 'unauthorized':
    case 'forbidden': return 502
    default: return 500
  }
}
