import type { FastifyBaseLogger } from 'fastify'
import { GatewayError } from '../../errors.js'
import { abortMessage, linkSignals, sleep } from '../../abort.js'
import { AdmissionRefused } from '../../limiter/admission.js'
import { describeFailure, healthOf, refusedError, type Breaker, type Refusal } from './breaker.js'
import { abortedError, backoffMs, classifyOutcome, isIdempotent, stoppedError, type CallContext } from './classify.js'
import type { AttemptPolicy, AttemptSpec } from './attempt-spec.js'
import type { AttemptOutcome, UpstreamHttp } from './http.js'
import { LimiterClosedError } from '../../limiter/limiter.js'
import type { Permit, RateLimiter } from '../../limiter/types.js'
import { statusClass, type AttemptResult, type Telemetry } from '../../telemetry.js'

export type { AttemptPolicy, AttemptSpec }

export interface AttemptRunnerDeps {
  http: Pick<UpstreamHttp, 'send'>
  limiter: Pick<RateLimiter, 'acquire' | 'nextSlotInMs'>
  breaker: Pick<Breaker, 'check' | 'admit' | 'record' | 'openSignal'>
  policy: AttemptPolicy
  log: FastifyBaseLogger
  /** randomness of the backoff jitter */
  random: () => number
  /** reports each attempt: endpoint, status class, result, duration */
  telemetry: Pick<Telemetry, 'upstreamAttempt'>
}

export type AttemptRunner = ReturnType<typeof createAttemptRunner>

/** Thrown inside the loop when the circuit breaker refuses the call (a stop: see `stopped`). */
class Refused extends Error {
  constructor (readonly refusal: Refusal) {
    super(refusal.reason)
  }
}

/**
 * Thrown inside the loop with the error a call ends with as it stands: an upstream answer to its
 * last attempt, or an abort (abortedError: `unprocessed` only when nothing was sent). Anything
 * else thrown in the loop is a stop, turned into an error by the one rule of `stoppedError`.
 */
class Ended extends Error {
  constructor (readonly error: GatewayError) {
    super(error.message)
  }
}

/** Why a call stopped, as a clause: a refusal's reason when it names no call ("the shared state … is unavailable"), else the message. */
function clauseOf (err: GatewayError): string {
  return err.unsent !== undefined && err.unsent.subject === undefined ? err.unsent.reason : err.message
}

/**
 * The one attempt loop of the gateway, used by token requests and API calls alike:
 * breaker → prepare → rate-limit slot → breaker permit → build the request → send → accept, or
 * resend / classify → backoff → sleep → again. Every attempt takes a limiter slot first, so
 * retries and token requests count against the budget; a slot that cannot be used at once (the
 * breaker opened, the token was dropped) is given back, and a slot used counts from when its
 * request was written (however late the event loop let it out), so no request ever goes out
 * later than its slot says. Only idempotent calls are retried; a 429 waits at least until the limiter's
 * window has room. While the breaker is open, calls fail at once (retryable, nothing sent), and
 * calls waiting for a slot or a retry stop waiting when it opens.
 * Aborting `signal` ends the call as `unprocessed` (nothing sent), `timeout` (a read was sent) or
 * `outcome_unknown` (a write was sent); the abort reason's message says why. Every other way a call
 * stops before its next attempt (refusals, the budget, the token, a bug) ends it through one rule
 * (classify.ts, stoppedError): once an attempt was sent, the call is never reported as not sent.
 */
export function createAttemptRunner ({ http, limiter, breaker, policy, log, random, telemetry }: AttemptRunnerDeps) {
  const rateLimitRetryAfterMs = () => limiter.nextSlotInMs() || policy.rateWindowMs

  /** Wait for `wait` while listening to the breaker too: a breaker opening ends the wait with Refused. */
  async function guarded<T> (signal: AbortSignal, wait: (s: AbortSignal) => Promise<T>): Promise<T> {
    const { signal: linked, dispose } = linkSignals(signal, breaker.openSignal())
    try {
      return await wait(linked)
    } catch (err) {
      if (!signal.aborted && linked.aborted) throw new Refused(breaker.check() ?? { retryAfterMs: 1, reason: abortMessage(linked) })
      throw err
    } finally {
      dispose()
    }
  }

  function gate (): void {
    const refusal = breaker.check()
    if (refusal !== undefined) throw new Refused(refusal)
  }

  async function run<T> (spec: AttemptSpec<T>): Promise<T> {
    const { signal } = spec
    const idempotent = spec.idempotent ?? isIdempotent(spec.method)
    const ctx: CallContext = { method: spec.method, label: spec.label, attempts: 0, timeoutMs: policy.timeoutMs, rateLimitRetryAfterMs, secrets: spec.secrets }
    const given = (phase: string, retryAfterMs: number | null = null) => new Ended(abortedError(ctx, `${abortMessage(signal)} ${phase}`, retryAfterMs))
    let retries = 0
    /** the error the call ends with if no further attempt is made */
    let last: GatewayError | undefined
    const admission = { ...spec.admission, priority: spec.priority }

    /**
     * The call stops before its next attempt, for a reason of the gateway's side: the breaker or
     * the limiter's admission refused it, the budget (Redis) or the token could not be had, the
     * limiter closed, or a bug. `unsent` is how it ends when nothing was sent; once something was,
     * stoppedError keeps what is known of it (never "not sent").
     */
    function stopped (err: unknown): GatewayError {
      if (err instanceof Refused) return stoppedError(ctx, refusedError(spec.label, err.refusal), err.refusal.reason, last)
      if (err instanceof AdmissionRefused) {
        // a batch item that cannot start in time is unprocessed; a single-item request is told to come back
        const type = spec.admission?.lane === 'batch' ? 'unprocessed' : 'rate_limit'
        return stoppedError(ctx, refusedError(spec.label, { retryAfterMs: err.retryAfterMs, reason: err.message }, type), err.message, last)
      }
      if (err instanceof GatewayError) return stoppedError(ctx, err.withAttempts(0), clauseOf(err), last)
      if (err instanceof LimiterClosedError) return stoppedError(ctx, abortedError({ ...ctx, attempts: 0 }, 'the rate limiter is closed', null), 'the rate limiter is closed', last)
      // a bug of ours (or of a dependency): never let anything but a GatewayError out
      log.error({ err, call: spec.label }, 'unexpected error in the hostaway attempt loop')
      const internal = GatewayError.internal(`${spec.label}: internal error in the Hostaway client`)
      return stoppedError(ctx, internal, 'internal error in the Hostaway client', last)
    }

    try {
      for (;;) {
        gate()
        if (spec.prepare !== undefined) {
          try {
            await spec.prepare(signal)
          } catch (err) {
            if (signal.aborted) throw given('while waiting for an access token', limiter.nextSlotInMs() || null)
            throw err
          }
          gate()
        }
        let slot: Permit
        try {
          slot = await guarded(signal, (s) => limiter.acquire(s, admission))
        } catch (err) {
          if (!(err instanceof Refused) && !(err instanceof AdmissionRefused) && signal.aborted) {
            throw given('while waiting for a rate-limit slot', limiter.nextSlotInMs() || null)
          }
          throw err
        }
        const permit = breaker.admit()
        if (!('probe' in permit)) {
          slot.release()
          throw new Refused(permit)
        }
        const request = spec.request()
        if (request === undefined) {
          slot.release()
          breaker.record(permit, 'neutral')
          continue
        }

        ctx.attempts++
        spec.onAttempt?.()
        const started = performance.now()
        let outcome: AttemptOutcome
        try {
          outcome = await http.send({ ...request, signal, onWritten: slot.sent })
        } finally {
          // a request never written whole (refused connection, abort, reset) may still have reached
          // the upstream in part: it counts from now as well (nothing if it counted already)
          slot.sent()
        }
        const ms = performance.now() - started
        const health = healthOf(outcome)
        // the breaker reads the description of failures only
        breaker.record(permit, health, health === 'failure' ? describeFailure(spec.label, outcome) : undefined)
        const status = outcome.kind === 'response' || outcome.kind === 'bad_body' ? outcome.status : undefined
        log.debug({
          method: spec.method,
          path: spec.label.slice(spec.method.length + 1),
          attempt: ctx.attempts,
          outcome: status ?? outcome.kind,
          duration_ms: Math.round(ms)
        }, 'hostaway attempt')
        const report = (result: AttemptResult) => telemetry.upstreamAttempt(spec.endpoint, statusClass(status), result, ms / 1000)

        if (outcome.kind === 'aborted') {
          report('aborted')
          throw given('while the request was in flight')
        }
        const value = spec.accept(outcome)
        if (value !== undefined) {
          report('success')
          return value
        }
        if (spec.resend?.(outcome) === true) {
          report('token_refused')
          continue
        }
        const rejected = spec.reject?.(outcome)
        if (rejected !== undefined) {
          report(rejected.error_type)
          throw new Ended(rejected)
        }

        const { error, retry } = classifyOutcome(outcome, ctx, idempotent)
        report(error.error_type)
        if (!retry || !(idempotent || spec.mayRetry?.(outcome) === true) || retries >= policy.maxRetries) throw new Ended(error)
        last = error
        gate()
        let wait = backoffMs(retries, policy.retryBaseMs, policy.retryMaxDelayMs, random)
        // Hostaway sends no Retry-After: wait for our own window to open, and at least one step
        if (error.error_type === 'rate_limit') wait = Math.max(wait, policy.retryBaseMs, limiter.nextSlotInMs())
        retries++
        log.warn({ method: spec.method, path: spec.label.slice(spec.method.length + 1), attempt: ctx.attempts, error_type: error.error_type, status: error.status_code, delay_ms: wait }, 'hostaway attempt failed, retrying')
        try {
          await guarded(signal, (s) => sleep(wait, s))
        } catch (err) {
          if (err instanceof Refused) throw err
          throw given('while waiting to retry')
        }
      }
    } catch (err) {
      if (err instanceof Ended) throw err.error
      throw stopped(err)
    }
  }

  return { run, rateLimitRetryAfterMs }
}
