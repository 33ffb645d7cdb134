import { setMaxListeners } from 'node:events'
import type { FastifyBaseLogger } from 'fastify'
import { abortError, abortMessage, linkSignals } from '../../abort.js'
import type { AttemptRunner } from './attempt.js'
import { GatewayError } from '../../errors.js'
import type { Breaker } from './breaker.js'
import { abortedError, isIdempotent } from './classify.js'
import { valueDeeperThan } from '../../json-depth.js'
import type { AttemptOutcome, HttpMethod } from './http.js'
import type { TokenManager } from './token.js'
import type { CallOptions } from '../../seams.js'
import type { EndpointKind } from '../../telemetry.js'

/** One Hostaway API call, before the token and the envelope are dealt with. */
export interface CallSpec {
  /** what the call is about, without ids (metrics) */
  kind: EndpointKind
  method: HttpMethod
  /** relative to the base URL, no leading slash, no query */
  path: string
  query?: Record<string, string | number | undefined>
  json?: object
  /** the shape `result` must have (`any`: an "empty success" whose result Hostaway does not show, e.g. [] or null) */
  expect: 'array' | 'object' | 'any'
  /**
   * A call that is not idempotent (a message send) classifies its own failed outcomes: the error to
   * end with (undefined: the usual classification), and which outcomes may be sent again
   * (AttemptSpec.mayRetry). `attempts`: sent so far, this one included.
   */
  reject?: (outcome: AttemptOutcome, attempts: number) => GatewayError | undefined
  mayRetry?: (outcome: AttemptOutcome) => boolean
}

/** Hostaway's standard envelope, once checked. */
export interface Envelope {
  status: 'success'
  result: unknown
  count?: unknown
  limit?: unknown
  offset?: unknown
}

export interface CallExecutorDeps {
  run: AttemptRunner['run']
  tokens: Pick<TokenManager, 'getToken' | 'usable' | 'confirm' | 'proven' | 'invalidate' | 'current'>
  /** refuses readiness while the upstream is failing */
  breaker: Pick<Breaker, 'check'>
  /** the client secret, kept out of every message */
  clientSecret: string
  /** JSON_MAX_DEPTH: a response nested deeper is not taken (it could not be answered or cached) */
  maxDepth: number
  log: FastifyBaseLogger
}

export type CallExecutor = ReturnType<typeof createCallExecutor>

/** Most resends of one call after its token was refused (each needs a newer token or a proven one revoked). */
const MAX_TOKEN_RESENDS = 5

function tokenRefused (outcome: AttemptOutcome): boolean {
  return outcome.kind === 'response' && (outcome.status === 401 || outcome.status === 403)
}

function envelope (outcome: AttemptOutcome, expect: CallSpec['expect']): Envelope | undefined {
  if (outcome.kind !== 'response' || outcome.status < 200 || outcome.status >= 300) return undefined
  const body = outcome.body
  if (typeof body !== 'object' || body === null) return undefined
  const { status, result } = body as { status?: unknown, result?: unknown }
  if (status !== 'success') return undefined
  const ok = expect === 'any' || (expect === 'array' ? Array.isArray(result) : typeof result === 'object' && result !== null && !Array.isArray(result))
  return ok ? body as Envelope : undefined
}

/**
 * A successful answer nested deeper than JSON_MAX_DEPTH: a read fails as upstream_error (asking
 * again would get the same); a write was applied by the upstream's account, but not confirmed by
 * anything the gateway can show: outcome_unknown.
 */
function tooDeep (spec: CallSpec, label: string, status: number, maxDepth: number, attempts: number): GatewayError {
  const base = `${label} → HTTP ${status}: the result is nested deeper than ${maxDepth} levels of objects and arrays (JSON_MAX_DEPTH)`
  if (spec.method === 'GET') return GatewayError.classified(base, { status_code: status, error_type: 'upstream_error', retryable: false, attempts })
  return GatewayError.outcomeUnknown(`${base}; the write may have been applied`, { status_code: status, retryable: isIdempotent(spec.method), attempts })
}

function compact (query: CallSpec['query']): Record<string, string | number> | undefined {
  if (query === undefined) return undefined
  const out: Record<string, string | number> = {}
  for (const [k, v] of Object.entries(query)) if (v !== undefined) out[k] = v
  return Object.keys(out).length === 0 ? undefined : out
}

/**
 * Authenticated Hostaway calls: the access token is taken right before each send (after the
 * rate-limit wait), the attempt loop, and the envelope checked against the expected shape.
 * When Hostaway refuses the token (401/403) the call is resent, not counted as a failure, if the
 * token it used is no longer the current one (someone refreshed it already) or had worked before
 * (revoked: it is dropped, and the callers share one refresh); a token that never worked gets one
 * refresh per call, then the call fails as `upstream_auth`. `close()` ends every pending and future
 * call as `unprocessed` / `timeout` / `outcome_unknown` like any abort.
 */
export function createCallExecutor ({ run, tokens, breaker, clientSecret, maxDepth, log }: CallExecutorDeps) {
  const closer = new AbortController()
  // every pending call listens to it: no MaxListeners warning for a busy gateway
  setMaxListeners(0, closer.signal)
  const secrets = () => [clientSecret, tokens.current()]

  function closed (method: HttpMethod, label: string) {
    return abortedError({ method, label, attempts: 0 }, abortMessage(closer.signal), null)
  }

  return {
    async call (spec: CallSpec, opts: CallOptions = {}): Promise<Envelope> {
      const label = `${spec.method} /${spec.path}`
      if (closer.signal.aborted) throw closed(spec.method, label)
      const { signal, dispose } = linkSignals(closer.signal, opts.signal)
      const searchParams = compact(spec.query)
      /** the token of the attempt under way */
      let sent = ''
      let resends = 0
      let refreshedUnproven = false
      /** the attempts so far, and the last answer, when it was an envelope nested too deep */
      let attempts = 0
      let deep: { status: number } | undefined
      try {
        return await run({
          method: spec.method,
          label,
          endpoint: spec.kind,
          signal,
          onAttempt: () => {
            attempts++
            opts.onAttempt?.()
          },
          admission: opts.admission,
          prepare: async (s) => { await tokens.getToken(s) },
          request: () => {
            const token = tokens.usable()
            if (token === undefined) return undefined
            sent = token
            return { method: spec.method, path: spec.path, searchParams, json: spec.json, headers: { authorization: `Bearer ${token}` } }
          },
          accept: (outcome) => {
            if (outcome.kind === 'response' && !tokenRefused(outcome)) tokens.confirm(sent)
            const body = envelope(outcome, spec.expect)
            deep = body !== undefined && valueDeeperThan(body.result, maxDepth) ? { status: (outcome as { status: number }).status } : undefined
            return deep === undefined ? body : undefined
          },
          reject: (outcome) => deep === undefined ? spec.reject?.(outcome, attempts) : tooDeep(spec, label, deep.status, maxDepth, attempts),
          mayRetry: spec.mayRetry,
          resend: (outcome) => {
            if (!tokenRefused(outcome) || resends >= MAX_TOKEN_RESENDS) return false
            const stale = tokens.current() !== sent
            if (!stale && !tokens.proven(sent)) {
              // a token that never worked: one refresh for this call, then it fails
              if (refreshedUnproven) return false
              refreshedUnproven = true
            }
            resends++
            if (!stale) tokens.invalidate(sent)
            log.info({ method: spec.method, path: `/${spec.path}`, status: (outcome as { status: number }).status, stale }, 'hostaway refused the token, sending again with a fresh one')
            return true
          },
          secrets
        })
      } finally {
        dispose()
      }
    },

    /**
     * Resolves once a token can be had (upstream credentials work) and the circuit breaker lets
     * calls through; throws a GatewayError otherwise.
     */
    async ready (opts: CallOptions = {}): Promise<void> {
      const label = 'POST /accessTokens'
      if (closer.signal.aborted) throw closed('POST', label)
      const refusal = breaker.check()
      if (refusal !== undefined) {
        throw GatewayError.refused(undefined, refusal.reason, refusal.retryAfterMs)
      }
      const { signal, dispose } = linkSignals(closer.signal, opts.signal)
      try {
        await tokens.getToken(signal)
      } catch (err) {
        if (signal.aborted) throw abortedError({ method: 'POST', label, attempts: 0 }, `${abortMessage(signal)} while waiting for an access token`, null)
        throw err
      } finally {
        dispose()
      }
    },

    close (): void {
      closer.abort(abortError('the Hostaway client is closed'))
    }
  }
}
