import { STATUS_CODES } from 'node:http'
import { HostawayError } from '../errors.js'
import type { AttemptOutcome, HttpMethod } from './http.js'
import { RETRY_STATUSES, upstreamDetail } from './http.js'

/** What the classification of one call needs to know; nothing here is secret. */
export interface CallContext {
  method: HttpMethod
  /** method + path, no query string: "GET /listings/999999" */
  label: string
  /** data attempts sent so far */
  attempts: number
  timeoutMs: number
  /** hint for a rate-limited call (ms) */
  rateLimitRetryAfterMs: () => number
  /** strings that must never appear in a message (client secret, current token) */
  secrets: () => Array<string | undefined>
}

export interface Classified {
  error: HostawayError
  /** whether another attempt may succeed, for a method that is safe to repeat */
  retry: boolean
}

/** Network errors that happen before a request reaches the server: safe to resend even for POST. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN'])

export function isIdempotent (method: HttpMethod): boolean {
  return method !== 'POST'
}

function times (n: number): string {
  return n > 1 ? ` (after ${n} attempts)` : ''
}

/**
 * Turn a failed attempt into the error the caller would get if no further attempt is made, plus
 * whether the failure is worth retrying. 2xx responses with a valid envelope never come here.
 */
export function classifyOutcome (outcome: Exclude<AttemptOutcome, { kind: 'aborted' }>, ctx: CallContext): Classified {
  const idem = isIdempotent(ctx.method)
  const make = (message: string, init: ConstructorParameters<typeof HostawayError>[1]) =>
    new HostawayError(message, { attempts: ctx.attempts, ...init })

  switch (outcome.kind) {
    case 'timeout':
      return {
        retry: true,
        error: idem && ctx.method === 'GET'
          ? make(`${ctx.label} → no response within ${ctx.timeoutMs} ms${times(ctx.attempts)}`, { status_code: null, error_type: 'timeout', retryable: true })
          : make(`${ctx.label} → no response within ${ctx.timeoutMs} ms${times(ctx.attempts)}; the write may or may not have been applied`, { status_code: null, error_type: 'outcome_unknown', retryable: idem })
      }
    case 'network':
      return {
        retry: true,
        error: make(`${ctx.label} → network error ${outcome.code}${times(ctx.attempts)}`, {
          status_code: null, error_type: 'network_error', retryable: idem || NOT_SENT_CODES.has(outcome.code)
        })
      }
    case 'bad_body':
      return {
        retry: true,
        error: make(`${ctx.label} → HTTP ${outcome.status}: response body is not valid JSON${times(ctx.attempts)}`, {
          status_code: outcome.status, error_type: 'upstream_error', retryable: idem
        })
      }
    case 'response':
      return classifyResponse(outcome.status, outcome.body, ctx, make, idem)
  }
}

function classifyResponse (
  status: number,
  body: unknown,
  ctx: CallContext,
  make: (message: string, init: ConstructorParameters<typeof HostawayError>[1]) => HostawayError,
  idem: boolean
): Classified {
  const detail = upstreamDetail(body, ctx.secrets())
  const base = `${ctx.label} → HTTP ${status}`
  const msg = (fallback: string) => `${base}: ${detail ?? fallback}${times(ctx.attempts)}`

  if (status >= 200 && status < 300) {
    const failed = typeof body === 'object' && body !== null && (body as { status?: unknown }).status === 'fail'
    return {
      retry: true,
      error: make(failed
        ? `${base}: Hostaway answered status "fail": ${detail ?? 'no message'}${times(ctx.attempts)}`
        : `${base}: unexpected response body (no success envelope)${times(ctx.attempts)}`, {
        status_code: status, error_type: 'upstream_error', retryable: idem
      })
    }
  }
  switch (status) {
    case 400:
    case 422:
      return { retry: false, error: make(msg('request rejected'), { status_code: status, error_type: 'validation_error', retryable: false }) }
    case 401:
      return { retry: false, error: make(msg('unauthorized'), { status_code: status, error_type: 'unauthorized', retryable: false }) }
    case 403:
      return { retry: false, error: make(msg('forbidden'), { status_code: status, error_type: 'forbidden', retryable: false }) }
    case 404:
      return { retry: false, error: make(msg('not found'), { status_code: status, error_type: 'not_found', retryable: false }) }
    case 409:
      return { retry: false, error: make(msg('conflict'), { status_code: status, error_type: 'conflict', retryable: false }) }
    case 408:
      return {
        retry: true,
        error: ctx.method === 'GET'
          ? make(msg('request timeout'), { status_code: status, error_type: 'timeout', retryable: true })
          : make(msg('request timeout'), { status_code: status, error_type: 'outcome_unknown', retryable: idem })
      }
    case 429:
      return {
        retry: true,
        // Hostaway's 429 body is a long generic text: keep our own message
        error: make(`${base}: rate limited by Hostaway${times(ctx.attempts)}`, {
          status_code: status, error_type: 'rate_limit', retryable: true, retry_after_ms: ctx.rateLimitRetryAfterMs()
        })
      }
  }
  if (status >= 500) {
    return {
      retry: RETRY_STATUSES.has(status),
      error: make(msg(STATUS_CODES[status] ?? 'server error'), {
        status_code: status, error_type: 'upstream_error', retryable: idem || status === 503
      })
    }
  }
  // 3xx and unexpected 4xx: our request or the upstream is off; resending will not help
  return { retry: false, error: make(msg(STATUS_CODES[status] ?? 'unexpected status'), { status_code: status, error_type: 'upstream_error', retryable: false }) }
}

/**
 * The caller's signal aborted (or the client closed). Before any attempt was sent the call is
 * `unprocessed` (safe to resend); after one was sent a read is a `timeout`, a write's outcome is
 * unknown (retryable when the method is idempotent).
 */
export function abortedError (ctx: CallContext, reason: string, retryAfterMs: number | null): HostawayError {
  if (ctx.attempts === 0) {
    return new HostawayError(`${ctx.label} was not sent: ${reason}`, {
      status_code: null, error_type: 'unprocessed', retryable: true, retry_after_ms: retryAfterMs, attempts: 0
    })
  }
  if (ctx.method === 'GET') {
    return new HostawayError(`${ctx.label} → no answer before the deadline: ${reason}${times(ctx.attempts)}`, {
      status_code: null, error_type: 'timeout', retryable: true, attempts: ctx.attempts
    })
  }
  return new HostawayError(`${ctx.label} → no answer before the deadline: ${reason}${times(ctx.attempts)}; the write may or may not have been applied`, {
    status_code: null, error_type: 'outcome_unknown', retryable: isIdempotent(ctx.method), attempts: ctx.attempts
  })
}

/** A copy of `err` carrying this caller's attempt count (errors may be shared between callers). */
export function withAttempts (err: HostawayError, attempts: number): HostawayError {
  return new HostawayError(err.message, {
    status_code: err.status_code,
    error_type: err.error_type,
    retryable: err.retryable,
    retry_after_ms: err.retry_after_ms,
    attempts
  })
}
