import { setMaxListeners } from 'node:events'
import type { FastifyBaseLogger } from 'fastify'
import type { ErrorType } from '../../../schemas/common.js'
import { GatewayError } from '../../errors.js'
import { abortError } from '../../abort.js'
import type { AttemptOutcome } from './http.js'
import type { Telemetry } from '../../telemetry.js'

export interface BreakerSettings {
  /** consecutive failures (network errors, timeouts, 5xx) that open the breaker */
  threshold: number
  /** failures older than this (ms) no longer count toward the threshold */
  windowMs: number
  /** how long the breaker stays open before one probe may go (ms) */
  openMs: number
  /** the longest a probe can take (the per-attempt timeout): the retry hint while one is under way (ms) */
  probeTimeoutMs: number
}

export interface BreakerDeps {
  settings: BreakerSettings
  log: Pick<FastifyBaseLogger, 'warn' | 'info'>
  /** clock (ms) */
  now: () => number
  /** reports each change of state */
  telemetry: Pick<Telemetry, 'breakerTransition'>
}

export type BreakerState = 'closed' | 'open' | 'half_open'

/** What an attempt says about the upstream's health: any answer below 500 is a sign of life. */
export type Health = 'success' | 'failure' | 'neutral'

/** Why a call may not go now, and when asking again makes sense. */
export interface Refusal {
  retryAfterMs: number
  reason: string
}

/** The right to send one attempt; `probe` when it is the one half-open probe. */
export interface Permit {
  probe: boolean
}

export type Breaker = ReturnType<typeof createBreaker>

/** 5xx, timeouts and network errors are failures; 4xx and 429 are answers (success); our own abort says nothing. */
export function healthOf (outcome: AttemptOutcome): Health {
  switch (outcome.kind) {
    case 'response':
    case 'bad_body':
      return outcome.status >= 500 ? 'failure' : 'success'
    case 'timeout':
    case 'network':
      return 'failure'
    case 'aborted':
      return 'neutral'
  }
}

/** A short, secret-free description of a failed attempt: "GET /listings/5 → HTTP 503". */
export function describeFailure (label: string, outcome: AttemptOutcome): string {
  switch (outcome.kind) {
    case 'response':
    case 'bad_body':
      return `${label} → HTTP ${outcome.status}`
    case 'timeout':
      return `${label} → no response in time`
    case 'network':
      return `${label} → network error ${outcome.code}`
    case 'aborted':
      return `${label} → aborted`
  }
}

/**
 * The error of a call the breaker refused before anything was sent: `upstream_error`, retryable
 * (nothing was sent, so it is safe even for writes), `retry_after_ms` = time to the next probe. The
 * rate limiter's refusals take the same shape with their own error type (`rate_limit`, or
 * `unprocessed` for a batch item). A call refused after an attempt was sent ends by the rule of
 * classify.ts's stoppedError (it keeps what its last attempt tells, never "not sent").
 */
export function refusedError (label: string, refusal: Refusal, errorType: ErrorType = 'upstream_error'): GatewayError {
  return GatewayError.refused(label, refusal.reason, refusal.retryAfterMs, errorType)
}

/**
 * The circuit breaker around the upstream. Closed: every attempt may go; `threshold` failures in a
 * row, all within `windowMs`, open it. Open: every call is refused at once (no rate budget spent)
 * until `openMs` has passed. Half-open: one attempt at a time goes as the probe; its success closes
 * the breaker, its failure opens it again. Any success (an answer below 500) resets the count.
 */
export function createBreaker ({ settings, log, now, telemetry }: BreakerDeps) {
  const { threshold, windowMs, openMs, probeTimeoutMs } = settings
  let state: BreakerState = 'closed'
  /** times of the consecutive failures so far (closed state) */
  let failures: number[] = []
  let reopenAt = 0
  let probeSince: number | undefined
  let lastFailure = ''
  let opened = new AbortController()
  setMaxListeners(0, opened.signal)

  function become (next: BreakerState): void {
    if (next !== state) telemetry.breakerTransition(state, next)
    state = next
  }

  function refresh (): void {
    if (state === 'open' && now() >= reopenAt) become('half_open')
  }

  function reason (): string {
    return `Hostaway is failing (${threshold} failures in a row, the last: ${lastFailure}); circuit breaker open`
  }

  function open (): void {
    become('open')
    reopenAt = now() + openMs
    failures = []
    probeSince = undefined
    log.warn({ open_ms: openMs, last_failure: lastFailure }, 'hostaway circuit breaker opened')
    const current = opened
    opened = new AbortController()
    setMaxListeners(0, opened.signal)
    current.abort(abortError(reason()))
  }

  function close (): void {
    if (state !== 'closed') log.info({}, 'hostaway circuit breaker closed')
    become('closed')
    if (failures.length > 0) failures = []
    probeSince = undefined
  }

  /** Why a call may not go now (undefined: it may), without taking anything. */
  function check (): Refusal | undefined {
    refresh()
    const t = now()
    if (state === 'open') return { retryAfterMs: reopenAt - t, reason: reason() }
    if (state === 'half_open' && probeSince !== undefined) {
      return { retryAfterMs: probeSince + probeTimeoutMs - t, reason: `${reason()}, a probe is under way` }
    }
    return undefined
  }

  return {
    check,

    /** Take the right to send one attempt now; when half-open, the first one taken is the probe. */
    admit (): Permit | Refusal {
      const refusal = check()
      if (refusal !== undefined) return refusal
      if (state === 'half_open') {
        probeSince = now()
        return { probe: true }
      }
      return { probe: false }
    },

    /** The outcome of an admitted attempt (`failure`: a description of it, free of secrets). */
    record (permit: Permit, health: Health, failure = ''): void {
      if (permit.probe) probeSince = undefined
      if (health === 'success') {
        close()
        return
      }
      if (health === 'neutral') return
      lastFailure = failure
      if (permit.probe) {
        open()
        return
      }
      // an attempt admitted before the breaker opened says nothing new
      if (state !== 'closed') return
      const t = now()
      failures = failures.filter((at) => at > t - windowMs)
      failures.push(t)
      if (failures.length >= threshold) open()
    },

    /** Aborts when the breaker next opens: waits for a rate-limit slot or a retry end then. */
    openSignal (): AbortSignal {
      return opened.signal
    },

    state (): BreakerState {
      refresh()
      return state
    }
  }
}
