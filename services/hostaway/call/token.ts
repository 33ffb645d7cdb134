import { setMaxListeners } from 'node:events'
import type { FastifyBaseLogger } from 'fastify'
import { GatewayError } from '../../errors.js'
import { abortError, raceSignal, sleep } from '../../abort.js'
import type { AttemptRunner } from './attempt.js'
import type { AttemptOutcome } from './http.js'
import { sharedToken, type SharedTokenDeps } from './shared-token.js'
import type { Telemetry } from '../../telemetry.js'

export interface TokenManagerDeps {
  run: AttemptRunner['run']
  /** Hostaway account id (client_id) */
  clientId: string
  /** client secret */
  clientSecret: string
  /** wait after a token is issued before its first use (Hostaway: ≥ 1 s) */
  settleMs: number
  /** rejected credentials are remembered this long: callers fail fast without a new request */
  credentialFailureBackoffMs: number
  log: FastifyBaseLogger
  /** clock (ms) */
  now: () => number
  /** several instances: one token for all, kept in a shared store (absent: this instance's own) */
  shared?: Pick<SharedTokenDeps, 'shared' | 'lockTtlMs' | 'pollMs' | 'random'>
  /** reports token requests and why a new token was needed */
  telemetry: Pick<Telemetry, 'tokenRequest' | 'tokenRefresh'>
}

interface TokenRecord {
  value: string
  expiresAt: number
  /** the settle wait after issue is over */
  settled: boolean
  ready: Promise<void>
  /** an upstream call was answered (not refused) with it: a later refusal means it was revoked */
  proven: boolean
}

export type TokenManager = ReturnType<typeof createTokenManager>

const LABEL = 'POST /accessTokens'
const DEFAULT_LIFETIME_S = 24 * 3600

/** How long a token is used: dropped shortly before it expires, min(60 s, 10 % of its lifetime) before. */
function usableForMs (expiresInS: number): number {
  const lifetimeMs = expiresInS * 1000
  return lifetimeMs - Math.min(60_000, lifetimeMs / 10)
}

function issued (outcome: AttemptOutcome): { token: string, expiresInS: number } | undefined {
  if (outcome.kind !== 'response' || outcome.status < 200 || outcome.status >= 300) return undefined
  const body = outcome.body as { access_token?: unknown, expires_in?: unknown } | null
  if (typeof body !== 'object' || body === null || typeof body.access_token !== 'string' || body.access_token === '') return undefined
  return { token: body.access_token, expiresInS: typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : DEFAULT_LIFETIME_S }
}

/**
 * OAuth2 client-credentials token manager: `POST accessTokens` (form-encoded) through the attempt
 * loop, ahead of every waiting call in the rate-limiter queue (callers wait for it), cached until
 * shortly before expiry, single-flight, a settle wait after issue, and fail-fast on rejected
 * credentials (HTTP 400/401/403 from accessTokens → `upstream_auth`, not retryable).
 */
export function createTokenManager ({ run, clientId, clientSecret, settleMs, credentialFailureBackoffMs, log, now, shared, telemetry }: TokenManagerDeps) {
  const closer = new AbortController()
  setMaxListeners(0, closer.signal)
  let current: TokenRecord | undefined
  let pending: Promise<TokenRecord> | undefined
  let credentialFailure: { error: GatewayError, until: number } | undefined
  /** the last token refused upstream while it was current: a shared store holding it must be refreshed */
  let stale: string | undefined
  /** the current token was dropped after a refusal: the next one is a refresh for that reason */
  let refused = false

  async function requestToken (): Promise<{ token: string, expiresInS: number }> {
    try {
      const { token, expiresInS } = await run({
        method: 'POST',
        label: LABEL,
        endpoint: 'token',
        signal: closer.signal,
        // a token request changes nothing upstream: safe to repeat
        idempotent: true,
        // every call waiting for the token waits for this request: it goes first
        priority: true,
        request: () => ({
          method: 'POST',
          path: 'accessTokens',
          form: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: 'general' }
        }),
        accept: issued,
        reject: (outcome) => outcome.kind === 'response' && [400, 401, 403].includes(outcome.status)
          ? GatewayError.classified(`Hostaway rejected the client credentials (HTTP ${outcome.status})`, {
            status_code: outcome.status, error_type: 'upstream_auth', retryable: false
          })
          : undefined,
        secrets: () => [clientSecret]
      })
      log.info({ expires_in_s: expiresInS }, 'hostaway token issued')
      telemetry.tokenRequest('issued')
      return { token, expiresInS }
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err
      telemetry.tokenRequest(err.error_type === 'upstream_auth' ? 'rejected' : 'failed')
      if (err.error_type === 'upstream_auth') {
        credentialFailure = { error: err, until: now() + credentialFailureBackoffMs }
        log.error({ status: err.status_code, retry_in_ms: credentialFailureBackoffMs }, 'hostaway rejected the client credentials')
        throw err
      }
      log.warn({ err }, 'hostaway token request failed')
      if (err.error_type === 'unprocessed') throw err
      // no data attempt was made for the caller; a token request is safe to repeat
      throw GatewayError.classified(err.message, {
        status_code: err.status_code,
        error_type: err.error_type === 'outcome_unknown' ? 'timeout' : err.error_type,
        retryable: true,
        retry_after_ms: err.retry_after_ms
      })
    }
  }

  /** Make `value` the current token, usable for `forMs`, after a settle wait of `settle` ms. */
  function adopt (value: string, forMs: number, settle: number): TokenRecord {
    const record: TokenRecord = {
      value,
      expiresAt: now() + forMs,
      settled: false,
      ready: Promise.resolve(),
      proven: false
    }
    // the settle wait is shared by every caller; closing the manager cuts it short
    record.ready = sleep(settle, closer.signal).then(() => { record.settled = true }, () => {})
    current = record
    credentialFailure = undefined
    log.debug({ settle_ms: settle }, 'hostaway token in use')
    return record
  }

  /** A new token: this instance's own, or the one shared by every instance (fetched by one of them). */
  async function obtain (): Promise<TokenRecord> {
    if (shared === undefined) {
      const { token, expiresInS } = await requestToken()
      return adopt(token, usableForMs(expiresInS), Math.max(0, settleMs))
    }
    const fetch = async () => {
      const { token, expiresInS } = await requestToken()
      return { value: token, ttlMs: usableForMs(expiresInS) }
    }
    const state = await sharedToken({ ...shared, fetch, settleMs: Math.max(0, settleMs), signal: closer.signal }, stale)
    return adopt(state.value, state.ttlMs, state.settleInMs)
  }

  function closedError (): GatewayError {
    return GatewayError.unprocessed(LABEL, 'the Hostaway client is closed')
  }

  return {
    /**
     * A token ready to use. Concurrent callers share one request (single-flight) and one settle wait.
     * Rejects with a GatewayError, or with the signal's reason when `signal` aborts (the shared
     * request goes on for the others).
     */
    async getToken (signal?: AbortSignal): Promise<string> {
      if (closer.signal.aborted) throw closedError()
      if (credentialFailure !== undefined) {
        if (credentialFailure.until > now()) throw credentialFailure.error
        credentialFailure = undefined
      }
      let record = current
      if (record === undefined || record.expiresAt <= now()) {
        if (pending === undefined) {
          telemetry.tokenRefresh(refused ? 'refused' : record === undefined ? 'initial' : 'expired')
          refused = false
          const p = obtain()
          pending = p
          p.then(() => {}, () => {}).finally(() => { if (pending === p) pending = undefined })
        }
        record = await raceSignal(pending, signal)
      }
      if (!record.settled) await raceSignal(record.ready, signal)
      if (closer.signal.aborted) throw closedError()
      return record.value
    },

    /** Drop `token` if it is still the current one (a 401/403 answered a call made with it). */
    invalidate (token: string): void {
      if (current !== undefined && current.value === token) {
        current = undefined
        stale = token
        refused = true
        log.info({}, 'hostaway token invalidated after an authorization failure')
      }
    },

    /**
     * The token to send right now, without waiting: the current one once settled and unexpired,
     * else undefined (then wait in getToken). Taken right before each send, so a call never goes
     * out with a token that was dropped while it waited for its rate-limit slot.
     */
    usable (): string | undefined {
      if (closer.signal.aborted || current === undefined || !current.settled || current.expiresAt <= now()) return undefined
      return current.value
    },

    /** `token` was accepted upstream (the call was answered, not refused). */
    confirm (token: string): void {
      if (current !== undefined && current.value === token) current.proven = true
    },

    /** Whether `token` is the current one and was accepted upstream before. */
    proven (token: string): boolean {
      return current !== undefined && current.value === token && current.proven
    },

    /** The current token, for scrubbing it from messages; never log it. */
    current (): string | undefined {
      return current?.value
    },

    /** Stop: pending and future getToken calls reject. */
    close (): void {
      closer.abort(abortError('the Hostaway client is closed'))
      current = undefined
    }
  }
}
