import { setMaxListeners } from 'node:events'
import type { FastifyBaseLogger } from 'fastify'
import { abortError, abortMessage, linkSignals } from './abort.js'
import type { AttemptRunner } from './attempt.js'
import { abortedError } from './classify.js'
import type { AttemptOutcome, HttpMethod } from './http.js'
import type { TokenManager } from './token.js'
import type { CallOptions } from './types.js'

/** One Hostaway API call, before the token and the envelope are dealt with. */
export interface CallSpec {
  method: HttpMethod
  /** relative to the base URL, no leading slash, no query */
  path: string
  query?: Record<string, string | number | undefined>
  json?: object
  /** the shape `result` must have */
  expect: 'array' | 'object'
}

/** Hostaway's standard envelope, once checked. */
export interface Envelope {
  status: 'success'
  result: unknown
  count?: unknown
  limit?: unknown
  offset?: unknown
}

export interface CallerDeps {
  run: AttemptRunner['run']
  tokens: Pick<TokenManager, 'getToken' | 'invalidate' | 'current'>
  /** the client secret, kept out of every message */
  clientSecret: string
  log: FastifyBaseLogger
}

export type Caller = ReturnType<typeof createCaller>

function envelope (outcome: AttemptOutcome, expect: CallSpec['expect']): Envelope | undefined {
  if (outcome.kind !== 'response' || outcome.status < 200 || outcome.status >= 300) return undefined
  const body = outcome.body
  if (typeof body !== 'object' || body === null) return undefined
  const { status, result } = body as { status?: unknown, result?: unknown }
  if (status !== 'success') return undefined
  const ok = expect === 'array' ? Array.isArray(result) : typeof result === 'object' && result !== null && !Array.isArray(result)
  return ok ? body as Envelope : undefined
}

function compact (query: CallSpec['query']): Record<string, string | number> | undefined {
  if (query === undefined) return undefined
  const out: Record<string, string | number> = {}
  for (const [k, v] of Object.entries(query)) if (v !== undefined) out[k] = v
  return Object.keys(out).length === 0 ? undefined : out
}

/**
 * Authenticated Hostaway calls: an access token before each attempt, the attempt loop, one
 * resend with a fresh token when Hostaway refuses the token (401/403: revoked or expired), and the
 * success envelope checked against the expected shape. `close()` ends every pending and future
 * call as `unprocessed` / `timeout` / `outcome_unknown` like any abort.
 */
export function createCaller ({ run, tokens, clientSecret, log }: CallerDeps) {
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
      let token = ''
      let refreshed = false
      try {
        return await run({
          method: spec.method,
          label,
          signal,
          onAttempt: opts.onAttempt,
          prepare: async (s) => { token = await tokens.getToken(s) },
          request: () => ({ method: spec.method, path: spec.path, searchParams, json: spec.json, headers: { authorization: `Bearer ${token}` } }),
          accept: (outcome) => envelope(outcome, spec.expect),
          resend: (outcome) => {
            if (refreshed || outcome.kind !== 'response' || (outcome.status !== 401 && outcome.status !== 403)) return false
            // the token may have been revoked: drop it (unless someone already did) and try once more
            refreshed = true
            tokens.invalidate(token)
            log.info({ method: spec.method, path: `/${spec.path}`, status: outcome.status }, 'hostaway refused the token, refreshing it')
            return true
          },
          secrets
        })
      } finally {
        dispose()
      }
    },

    /** Resolves once a token can be had (upstream credentials work); throws a HostawayError otherwise. */
    async ready (opts: CallOptions = {}): Promise<void> {
      const label = 'POST /accessTokens'
      if (closer.signal.aborted) throw closed('POST', label)
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
