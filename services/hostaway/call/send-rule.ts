// The never-twice rule of a guest message's send: how each attempt's outcome is decided (sent again
// only when it certainly did not reach Hostaway). In the call layer, where the send is retried or not;
// services/writes/messages.ts re-exports it with the other message rules.
import type { ErrorType } from '../../../schemas/common.js'

/** The remediation of a send whose outcome is unknown. */
export function checkBeforeResending (bookingId: number, conversationId: number): string {
  return `The message may have been delivered: check conversation ${conversationId} (GET /api/bookings/${bookingId}/messages) before resending it. ` +
    'The gateway never sends a message again on its own.'
}

/**
 * How one send attempt ended, as the upstream call reports it: an answer, no answer in time, a
 * network error, a bad body, or given up (`aborted`) — `sent` says whether the request had been
 * written by then. `not_started`: no attempt was made (the rate limiter, the circuit breaker or the
 * deadline stopped it first).
 */
export type SendAttempt =
  | { kind: 'response', status: number, body: unknown }
  | { kind: 'bad_body', status: number }
  | { kind: 'timeout' }
  | { kind: 'network', code: string }
  | { kind: 'aborted', sent: boolean, reason: string }
  | { kind: 'not_started', reason: string }

/** What to do after a send attempt. */
export type SendDecision =
  | { kind: 'sent' }
  /** nothing reached Hostaway: another attempt cannot make a second message */
  | { kind: 'retry', why: string }
  | {
    kind: 'failed'
    error_type: ErrorType
    status_code: number | null
    retryable: boolean
    message: string
    /** null: the error type's usual remediation (services/errors.ts REMEDIATION) */
    remediation: string | null
  }

export interface SendContext {
  bookingId: number
  conversationId: number
  /** attempts written so far, this one included (0 for not_started) */
  attempts: number
  maxAttempts: number
}

/** Network errors raised before a request reaches the server (nothing was written). */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN'])

/**
 * The never-twice rule. A send is retried only when it certainly did not reach Hostaway: a 429
 * (Hostaway checks the rate limit before anything else) or a connection that was never made. Once
 * the request may have reached Hostaway — no answer in time, a connection reset after writing, a
 * 5xx or 408, a 2xx without a success envelope — the message may be stored, so the item ends
 * `outcome_unknown`, not retryable, with a remediation that says to check the conversation before
 * resending. A 4xx refusal (400, 404, …) means Hostaway did not take it: a definite failure.
 */
export function classifySendAttempt (attempt: SendAttempt, ctx: SendContext): SendDecision {
  const label = `POST /conversations/${ctx.conversationId}/messages`
  const unknown = (what: string, status: number | null = null): SendDecision => ({
    kind: 'failed',
    error_type: 'outcome_unknown',
    status_code: status,
    retryable: false,
    message: `${label} → ${what}; the message may have been delivered, so it is not sent again`,
    remediation: checkBeforeResending(ctx.bookingId, ctx.conversationId)
  })
  const failed = (type: ErrorType, status: number | null, what: string, retryable: boolean, remediation: string | null = null): SendDecision =>
    ({ kind: 'failed', error_type: type, status_code: status, retryable, message: `${label} → ${what}`, remediation })
  const canRetry = ctx.attempts < ctx.maxAttempts

  switch (attempt.kind) {
    case 'not_started':
      return failed('unprocessed', null, `not sent: ${attempt.reason}`, true, 'Not sent; resend this message (it is safe).')
    case 'aborted':
      return attempt.sent ? unknown(`no answer: ${attempt.reason}`) : failed('unprocessed', null, `not sent: ${attempt.reason}`, true, 'Not sent; resend this message (it is safe).')
    case 'timeout':
      return unknown('no answer in time')
    case 'bad_body':
      return unknown(`HTTP ${attempt.status} with a body that is not JSON`, attempt.status)
    case 'network':
      if (NOT_SENT_CODES.has(attempt.code)) {
        return canRetry ? { kind: 'retry', why: `network error ${attempt.code} before sending` } : failed('network_error', null, `network error ${attempt.code}`, true)
      }
      return unknown(`network error ${attempt.code}`)
    case 'response': {
      const { status, body } = attempt
      if (status >= 200 && status < 300) {
        const ok = typeof body === 'object' && body !== null && (body as { status?: unknown }).status === 'success'
        return ok ? { kind: 'sent' } : unknown(`HTTP ${status} without a success envelope`, status)
      }
      if (status === 429) {
        return canRetry ? { kind: 'retry', why: 'rate limited by Hostaway (nothing was processed)' } : failed('rate_limit', 429, 'rate limited by Hostaway', true)
      }
      if (status === 408 || status >= 500) return unknown(`HTTP ${status}`, status)
      if (status === 404) return failed('not_found', 404, 'HTTP 404: the conversation does not exist', false, 'Check the booking: its conversation was not found upstream.')
      if (status === 400 || status === 422) return failed('validation_error', status, `HTTP ${status}: Hostaway refused the message`, false, 'Fix the message and send it again.')
      if (status === 401 || status === 403) {
        // refused at the door: nothing was processed; the caller renews the token before the retry
        return canRetry ? { kind: 'retry', why: `HTTP ${status}: the access token was refused (nothing was processed)` } : failed('upstream_auth', status, `HTTP ${status}: the access token was refused`, false)
      }
      return failed('upstream_error', status, `HTTP ${status}`, false)
    }
  }
}
