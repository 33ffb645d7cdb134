import { STATUS_CODES } from 'node:http'
import type { ErrorType } from '../../../schemas/common.js'
import { GatewayError, type GatewayErrorInit } from '../../errors.js'
import { scrub } from '../../redact.js'
import type { AttemptOutcome, HttpMethod } from './http.js'

/**
 * The retry policy and the classification of failed attempts into the error taxonomy
 * (docs/contract.md). Nothing here sends anything.
 */

/** What the classification of one call needs to know; nothing here is secret. */
export interface CallContext {
  method: HttpMethod
  /** method + path, no query string: "GET /listings/999999" */
  label: string
  /** attempts sent so far */
  attempts: number
  timeoutMs: number
  /** hint for a rate-limited call (ms) */
  rateLimitRetryAfterMs: () => number
  /** strings that must never appear in a message (client secret, current token) */
  secrets: () => Array<string | undefined>
}

export interface Classified {
  error: GatewayError
  /** whether another attempt may succeed, for a call that is safe to repeat */
  retry: boolean
}

/** Statuses worth another attempt (idempotent calls only). */
export const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504])

/** Network errors that happen before a request reaches the server: safe to resend even for POST. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN'])

/** Upstream 4xx answers that end a call at once: the error type (of a write; see below for reads) and the text used when the body has none. */
const FINAL_4XX: Record<number, { type: ErrorType, text: string }> = {
  400: { type: 'validation_error', text: 'request rejected' },
  422: { type: 'validation_error', text: 'request rejected' },
  401: { type: 'upstream_auth', text: 'the access token was refused' },
  403: { type: 'upstream_auth', text: 'the access token was refused' },
  404: { type: 'not_found', text: 'not found' },
  409: { type: 'conflict', text: 'conflict' }
}

export function isIdempotent (method: HttpMethod): boolean {
  return method !== 'POST'
}

/** Full-jitter exponential backoff: random(0, min(maxMs, baseMs * 2^retry)). */
export function backoffMs (retry: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(maxMs, baseMs * 2 ** retry))
}

function times (n: number): string {
  return n > 1 ? ` (after ${n} attempts)` : ''
}

/** Longest upstream text kept in a message (characters). */
export const MAX_DETAIL_LENGTH = 160

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', '#39': "'" }

/** The readable text of an HTML page: its <title> when it has one, else its text without tags. */
function htmlText (html: string): string {
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html)?.[1]
  const text = title !== undefined && title.trim() !== ''
    ? title
    : html.replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, ' ').replace(/<!--[\s\S]*?-->/g, ' ').replace(/<[^>]*>/g, ' ')
  return text.replace(/&(amp|lt|gt|quot|apos|nbsp|#39);/g, (_, name: string) => ENTITIES[name])
}

/**
 * The human part of an upstream error body, summarized: its `message` or `result` string (or the
 * body itself when it is text), an HTML page reduced to its title or text, anything that looks
 * like a token or one of `secrets` removed, whitespace collapsed, at most MAX_DETAIL_LENGTH characters.
 */
export function upstreamDetail (body: unknown, secrets: Array<string | undefined> = []): string | undefined {
  let text: string | undefined
  if (typeof body === 'string') text = body
  else if (typeof body === 'object' && body !== null) {
    const { message, result } = body as { message?: unknown, result?: unknown }
    if (typeof message === 'string') text = message
    else if (typeof result === 'string') text = result
  }
  if (text === undefined) return undefined
  // the head of a body says what it is about; bounding it first keeps the scans below short
  text = text.slice(0, 8192)
  if (/<[a-z!/][^>]*>/i.test(text)) text = htmlText(text)
  text = scrub(text, secrets).replace(/\s+/g, ' ').trim()
  if (text === '') return undefined
  return text.length > MAX_DETAIL_LENGTH ? `${text.slice(0, MAX_DETAIL_LENGTH - 1)}…` : text
}

type Make = (message: string, init: GatewayErrorInit) => GatewayError

/**
 * Turn a failed attempt into the error the caller gets if no further attempt is made, plus
 * whether the failure is worth retrying. Successful outcomes never come here.
 */
export function classifyOutcome (outcome: Exclude<AttemptOutcome, { kind: 'aborted' }>, ctx: CallContext, idempotent = isIdempotent(ctx.method)): Classified {
  const make: Make = (message, init) => GatewayError.classified(message, { attempts: ctx.attempts, ...init })
  const after = times(ctx.attempts)
  switch (outcome.kind) {
    case 'timeout':
      return {
        retry: true,
        error: ctx.method === 'GET'
          ? make(`${ctx.label} → no response within ${ctx.timeoutMs} ms${after}`, { status_code: null, error_type: 'timeout', retryable: true })
          : make(`${ctx.label} → no response within ${ctx.timeoutMs} ms${after}; the write may or may not have been applied`, { status_code: null, error_type: 'outcome_unknown', retryable: idempotent })
      }
    case 'network':
      return {
        retry: true,
        error: make(`${ctx.label} → network error ${outcome.code}${after}`, {
          status_code: null, error_type: 'network_error', retryable: idempotent || NOT_SENT_CODES.has(outcome.code)
        })
      }
    case 'bad_body':
      return {
        retry: true,
        error: make(`${ctx.label} → HTTP ${outcome.status}: response body is not valid JSON${after}`, {
          status_code: outcome.status, error_type: 'upstream_error', retryable: idempotent
        })
      }
    case 'response':
      return classifyResponse(outcome.status, outcome.body, ctx, make, idempotent)
  }
}

function classifyResponse (status: number, body: unknown, ctx: CallContext, make: Make, idempotent: boolean): Classified {
  const detail = upstreamDetail(body, ctx.secrets())
  const base = `${ctx.label} → HTTP ${status}`
  const after = times(ctx.attempts)
  const msg = (fallback: string) => `${base}: ${detail ?? fallback}${after}`

  if (status >= 200 && status < 300) {
    const failed = typeof body === 'object' && body !== null && (body as { status?: unknown }).status === 'fail'
    return {
      retry: true,
      error: make(failed
        ? `${base}: Hostaway answered status "fail": ${detail ?? 'no message'}${after}`
        : `${base}: unexpected response body (no success envelope)${after}`, {
        status_code: status, error_type: 'upstream_error', retryable: idempotent
      })
    }
  }
  const final = FINAL_4XX[status]
  if (final !== undefined) {
    // a read the upstream refuses (other than not found, or refused credentials) is not the caller's
    // fault: the caller's request was valid, so our request or the upstream is off
    const type: ErrorType = ctx.method === 'GET' && (final.type === 'validation_error' || final.type === 'conflict') ? 'upstream_error' : final.type
    return { retry: false, error: make(msg(final.text), { status_code: status, error_type: type, retryable: false }) }
  }
  if (status === 408) {
    const type: ErrorType = ctx.method === 'GET' ? 'timeout' : 'outcome_unknown'
    return { retry: true, error: make(msg('request timeout'), { status_code: status, error_type: type, retryable: type === 'timeout' || idempotent }) }
  }
  if (status === 429) {
    // Hostaway's 429 body is a long generic text: keep our own message
    return {
      retry: true,
      error: make(`${base}: rate limited by Hostaway${after}`, {
        status_code: status, error_type: 'rate_limit', retryable: true, retry_after_ms: ctx.rateLimitRetryAfterMs()
      })
    }
  }
  if (status >= 500) {
    return {
      retry: RETRY_STATUSES.has(status),
      error: make(msg(STATUS_CODES[status] ?? 'server error'), {
        status_code: status, error_type: 'upstream_error', retryable: idempotent || status === 503
      })
    }
  }
  // 3xx and unexpected 4xx: our request or the upstream is off; resending will not help
  return { retry: false, error: make(msg(STATUS_CODES[status] ?? 'unexpected status'), { status_code: status, error_type: 'upstream_error', retryable: false }) }
}

/**
 * The call was given up (the caller's signal aborted, or the gateway is closing) — `reason` says
 * why and when. Before any attempt was sent the call is `unprocessed` (safe to resend); after one
 * was sent a read is a `timeout`, and a write's outcome is unknown (retryable when idempotent).
 */
export function abortedError (ctx: Pick<CallContext, 'method' | 'label' | 'attempts'>, reason: string, retryAfterMs: number | null): GatewayError {
  if (ctx.attempts === 0) {
    return GatewayError.unprocessed(ctx.label, reason, retryAfterMs)
  }
  const after = times(ctx.attempts)
  if (ctx.method === 'GET') {
    return GatewayError.classified(`${ctx.label} → no answer: ${reason}${after}`, {
      status_code: null, error_type: 'timeout', retryable: true, attempts: ctx.attempts
    })
  }
  return GatewayError.outcomeUnknown(`${ctx.label} → no answer: ${reason}${after}; the write may or may not have been applied`, {
    retryable: isIdempotent(ctx.method), attempts: ctx.attempts
  })
}

/**
 * The one rule of how a call ends when it stops before its next attempt for a reason of the
 * gateway's side rather than an upstream answer: the circuit breaker or the rate limiter's admission
 * refused it, the shared budget (Redis) or an access token could not be had, the limiter closed, a
 * bug. `unsent` is the error of a call that sent nothing ("… was not sent: …", `unprocessed`,
 * `upstream_error`, `rate_limit`…), `why` the reason as a clause.
 *
 * Once an attempt was sent, the call is never reported as not sent (`unprocessed`, `attempts: 0`),
 * whatever stopped it: it ends as its last attempt did — `last`, the failure it would end with
 * without a retry (a timed-out write stays `outcome_unknown`, a 5xx `upstream_error`), "; not
 * retried: <why>", with the stop's retry hint — or, with no failed answer to go by, as a call with
 * no answer (abortedError: `timeout` for a read, `outcome_unknown` for a write). Aborts follow the
 * same rule through abortedError.
 */
export function stoppedError (ctx: Pick<CallContext, 'method' | 'label' | 'attempts'>, unsent: GatewayError, why: string, last?: GatewayError): GatewayError {
  if (ctx.attempts === 0) return unsent
  if (last !== undefined) {
    return GatewayError.classified(`${last.message}; not retried: ${why}`, {
      status_code: last.status_code,
      error_type: last.error_type,
      retryable: last.retryable,
      retry_after_ms: unsent.retry_after_ms ?? last.retry_after_ms,
      attempts: ctx.attempts
    })
  }
  const noAnswer = abortedError(ctx, why, null)
  return GatewayError.classified(noAnswer.message, {
    status_code: null, error_type: noAnswer.error_type, retryable: noAnswer.retryable, retry_after_ms: unsent.retry_after_ms, attempts: ctx.attempts
  })
}
