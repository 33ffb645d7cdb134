import type { GatewayError } from '../../errors.js'
import type { Admission } from '../../limiter/types.js'
import type { EndpointKind } from '../../telemetry.js'
import type { AttemptOutcome, AttemptRequest, HttpMethod } from './http.js'

// What the attempt loop (attempt.ts) is given: its policy, and one call as it needs it.

export interface AttemptPolicy {
  /** per-attempt timeout (ms), used in messages; the HTTP layer enforces it */
  timeoutMs: number
  /** retries after the first attempt, for calls that are safe to repeat */
  maxRetries: number
  /** base of the full-jitter exponential backoff (ms) */
  retryBaseMs: number
  /** cap of one backoff wait (ms) */
  retryMaxDelayMs: number
  /** the upstream's rate-limit window (ms): how long a 429 may last when our limiter sees room */
  rateWindowMs: number
}

/** One logical upstream call, as the attempt loop needs it. */
export interface AttemptSpec<T> {
  method: HttpMethod
  /** method + path, no query: "GET /listings/5" (messages and logs) */
  label: string
  /** what the call is about, without ids (the metrics' `endpoint` label) */
  endpoint: EndpointKind
  signal: AbortSignal
  /** whether the call may be sent again after a failure (default: every method but POST) */
  idempotent?: boolean
  /**
   * For a call that is not idempotent: whether this failed outcome certainly did not reach the
   * upstream (a 429, a connection never made), so one more attempt cannot apply it twice. Default: never.
   */
  mayRetry?: (outcome: AttemptOutcome) => boolean
  /** wait ahead of the other calls in the rate-limiter queue (token requests: the others wait for them) */
  priority?: boolean
  /** whose turn in the rate-limiter queue, in which lane, until when (refused at once if it would come too late) */
  admission?: Admission
  /** before each rate-limit slot, e.g. wait for an access token; a GatewayError from it ends the call */
  prepare?: (signal: AbortSignal) => Promise<void>
  /**
   * The request to send, built right after the slot was granted (e.g. with the token current at
   * that moment). Undefined: it cannot go now (the token was dropped meanwhile): the slot is given
   * back unused and the call goes back to `prepare`.
   */
  request: () => Omit<AttemptRequest, 'signal'> | undefined
  /** the value of a successful outcome; undefined when the outcome is a failure */
  accept: (outcome: AttemptOutcome) => T | undefined
  /** a failed outcome to send again at once, not counted as a retry (e.g. a refused token) */
  resend?: (outcome: AttemptOutcome) => boolean
  /** a failed outcome that ends the call with this error instead of the usual classification */
  reject?: (outcome: AttemptOutcome) => GatewayError | undefined
  /** called as each attempt starts */
  onAttempt?: () => void
  /** strings to keep out of messages */
  secrets: () => Array<string | undefined>
}
