import { setMaxListeners } from 'node:events'
import type { Got } from 'got'
import { HostawayError } from '../errors.js'
import { abortedError, classifyOutcome, type CallContext } from './classify.js'
import { backoffMs, raceSignal, sendOnce, sleep, silentLogger, type HostawayLogger } from './http.js'
import type { RateLimiter } from './types.js'

export interface TokenManagerOptions {
  /** the client's got instance (prefixUrl = base URL) */
  http: Got
  /** Hostaway account id (client_id) */
  clientId: string
  /** client secret */
  clientSecret: string
  /** every token request takes a slot, like data calls */
  limiter: RateLimiter
  timeoutMs: number
  maxRetries: number
  retryBaseMs: number
  retryMaxDelayMs?: number
  /** wait after a token is issued before its first use (Hostaway: ≥ 1 s) */
  tokenSettleMs: number
  /** a token is dropped this long before it expires (default: min(60 s, 10 % of its lifetime)) */
  expiryMarginMs?: number
  /** rejected credentials are remembered this long: callers fail fast without a new request (default 5 s) */
  credentialFailureBackoffMs?: number
  /** hint for a rate-limited token request (ms) */
  rateLimitRetryAfterMs: () => number
  logger?: HostawayLogger
  random?: () => number
  now?: () => number
}

export interface TokenStats {
  /** HTTP attempts to POST /accessTokens */
  tokens_requested: number
  /** tokens received */
  tokens_issued: number
}

export interface TokenManager {
  /**
   * A token ready to use. Concurrent callers share one request (single-flight) and one settle wait.
   * Rejects with HostawayError (credentials rejected, upstream failure) or, when `signal` aborts,
   * with the signal's reason (an AbortError) — the shared request goes on for the others.
   */
  getToken (signal?: AbortSignal): Promise<string>
  /** Drop `token` if it is still the current one (a 401/403 answered a call made with it). */
  invalidate (token: string): void
  /** The current token, for scrubbing it from messages; never log it. */
  current (): string | undefined
  stats (): TokenStats
  /** Stop: pending and future getToken calls reject. */
  close (): void
}

interface TokenRecord {
  value: string
  expiresAt: number
  readyAt: number
  ready: Promise<void>
}

const DEFAULT_LIFETIME_S = 24 * 3600

/**
 * OAuth2 client-credentials token manager: `POST accessTokens` (form-encoded), cached until shortly
 * before expiry, single-flight, settle wait after issue, fail-fast on rejected credentials.
 *
 * Rejected credentials (HTTP 400/401/403 from accessTokens) are reported as `unauthorized`
 * (status_code = the upstream status, retryable false): the gateway could not authenticate at all.
 * `forbidden` is kept for data calls refused with a freshly issued token.
 */
export function createTokenManager (opts: TokenManagerOptions): TokenManager {
  const log = opts.logger ?? silentLogger
  const now = opts.now ?? Date.now
  const random = opts.random ?? Math.random
  const retryMaxDelayMs = opts.retryMaxDelayMs ?? 5000
  const failureBackoffMs = opts.credentialFailureBackoffMs ?? 5000
  const closer = new AbortController()
  setMaxListeners(0, closer.signal)

  let current: TokenRecord | undefined
  let pending: Promise<TokenRecord> | undefined
  let credentialFailure: { error: HostawayError, until: number } | undefined
  let requested = 0
  let issued = 0

  const label = 'POST /accessTokens'

  async function requestToken (): Promise<TokenRecord> {
    const signal = closer.signal
    for (let retry = 0; ; retry++) {
      const ctx: CallContext = {
        method: 'POST',
        label,
        attempts: retry,
        timeoutMs: opts.timeoutMs,
        rateLimitRetryAfterMs: opts.rateLimitRetryAfterMs,
        secrets: () => [opts.clientSecret]
      }
      try {
        await opts.limiter.acquire(signal)
      } catch {
        throw abortedError(ctx, 'the client is closed', null)
      }
      requested++
      ctx.attempts = retry + 1
      const outcome = await sendOnce(opts.http, {
        method: 'POST',
        path: 'accessTokens',
        form: {
          grant_type: 'client_credentials',
          client_id: opts.clientId,
          client_secret: opts.clientSecret,
          scope: 'general'
        },
        signal,
        timeoutMs: opts.timeoutMs
      })
      if (outcome.kind === 'aborted') throw abortedError(ctx, 'the client is closed', null)

      if (outcome.kind === 'response' && outcome.status >= 200 && outcome.status < 300) {
        const body = outcome.body as { access_token?: unknown, expires_in?: unknown } | null
        if (typeof body === 'object' && body !== null && typeof body.access_token === 'string' && body.access_token !== '') {
          return issue(body.access_token, typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : DEFAULT_LIFETIME_S)
        }
      }
      if (outcome.kind === 'response' && (outcome.status === 400 || outcome.status === 401 || outcome.status === 403)) {
        // wrong client_id / client_secret: no retry, and no new request for a while
        const error = new HostawayError(`Hostaway rejected the client credentials (HTTP ${outcome.status})`, {
          status_code: outcome.status, error_type: 'unauthorized', retryable: false, attempts: 0
        })
        credentialFailure = { error, until: now() + failureBackoffMs }
        log.error({ status: outcome.status, retry_in_ms: failureBackoffMs }, 'hostaway rejected the client credentials')
        throw error
      }

      // a 2xx without a token reads as an upstream failure; the rest as for data calls
      const { error, retry: worthRetry } = outcome.kind === 'response' && outcome.status >= 200 && outcome.status < 300
        ? { error: new HostawayError(`${label} → HTTP ${outcome.status}: no access_token in the response`, { status_code: outcome.status, error_type: 'upstream_error', retryable: true }), retry: true }
        : classifyOutcome(outcome, ctx)
      if (!worthRetry || retry >= opts.maxRetries) {
        log.warn({ error_type: error.error_type, status: error.status_code, attempts: retry + 1 }, 'hostaway token request failed')
        // a token request is safe to repeat, whatever the classification of a POST says
        throw new HostawayError(error.message, {
          status_code: error.status_code,
          error_type: error.error_type === 'outcome_unknown' ? 'timeout' : error.error_type,
          retryable: true,
          retry_after_ms: error.retry_after_ms,
          attempts: 0
        })
      }
      let wait = backoffMs(retry, opts.retryBaseMs, retryMaxDelayMs, random)
      if (outcome.kind === 'response' && outcome.status === 429) {
        wait = Math.max(wait, opts.retryBaseMs, opts.limiter.nextSlotInMs())
      }
      log.warn({ error_type: error.error_type, status: error.status_code, attempt: retry + 1, delay_ms: wait }, 'hostaway token request failed, retrying')
      try {
        await sleep(wait, signal)
      } catch {
        throw abortedError(ctx, 'the client is closed', null)
      }
    }
  }

  function issue (value: string, expiresInS: number): TokenRecord {
    issued++
    const t = now()
    const lifetimeMs = expiresInS * 1000
    const margin = opts.expiryMarginMs ?? Math.min(60_000, lifetimeMs / 10)
    const settle = Math.max(0, opts.tokenSettleMs)
    const record: TokenRecord = {
      value,
      expiresAt: t + lifetimeMs - margin,
      readyAt: t + settle,
      // the settle wait is shared by every caller; closing the manager cuts it short
      ready: sleep(settle, closer.signal).catch(() => {})
    }
    current = record
    credentialFailure = undefined
    log.info({ expires_in_s: expiresInS, settle_ms: settle }, 'hostaway token issued')
    return record
  }

  function closedError (): HostawayError {
    return new HostawayError(`${label} was not sent: the client is closed`, {
      status_code: null, error_type: 'unprocessed', retryable: true, attempts: 0
    })
  }

  return {
    async getToken (signal?: AbortSignal): Promise<string> {
      if (closer.signal.aborted) throw closedError()
      if (credentialFailure !== undefined) {
        if (credentialFailure.until > now()) throw credentialFailure.error
        credentialFailure = undefined
      }
      let record = current
      if (record === undefined || record.expiresAt <= now()) {
        if (pending === undefined) {
          const p = requestToken()
          pending = p
          p.then(() => {}, () => {}).finally(() => { if (pending === p) pending = undefined })
        }
        record = await raceSignal(pending, signal)
      }
      if (record.readyAt > now()) await raceSignal(record.ready, signal)
      if (closer.signal.aborted) throw closedError()
      return record.value
    },

    invalidate (token: string): void {
      if (current !== undefined && current.value === token) {
        current = undefined
        log.info({}, 'hostaway token invalidated after an authorization failure')
      }
    },

    current (): string | undefined {
      return current?.value
    },

    stats (): TokenStats {
      return { tokens_requested: requested, tokens_issued: issued }
    },

    close (): void {
      closer.abort()
      current = undefined
    }
  }
}
