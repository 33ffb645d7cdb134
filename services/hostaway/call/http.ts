import { Agent as HttpAgent } from 'node:http'
import { Agent as HttpsAgent } from 'node:https'
import got, { ParseError, TimeoutError, type Got } from 'got'

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'DELETE'

/** What one HTTP attempt produced, with nothing of the request (no headers, no URL) attached. */
export type AttemptOutcome =
  | { kind: 'response', status: number, body: unknown }
  | { kind: 'bad_body', status: number }
  | { kind: 'timeout' }
  | { kind: 'network', code: string }
  | { kind: 'aborted' }

export interface AttemptRequest {
  method: HttpMethod
  /** relative to the base URL, no leading slash */
  path: string
  searchParams?: Record<string, string | number>
  json?: object
  form?: Record<string, string>
  headers?: Record<string, string>
  signal: AbortSignal
  /**
   * Called once the request has been handed to the operating system (the ClientRequest's `finish`):
   * when the upstream may start counting it. Never called for a request that was not written.
   */
  onWritten?: () => void
}

export interface UpstreamHttp {
  /** Send one attempt; never throws: every failure is turned into an outcome. */
  send (req: AttemptRequest): Promise<AttemptOutcome>
  /** Destroy the keep-alive sockets. */
  close (): void
}

/**
 * The one got instance of the gateway: keep-alive agents, `prefixUrl`, JSON responses, a
 * per-attempt timeout, no thrown HTTP errors and got's own retry disabled: the attempt loop
 * (attempt.ts) retries, so that every attempt first takes a rate-limiter slot.
 */
export function createUpstreamHttp (opts: { baseUrl: string, timeoutMs: number }): UpstreamHttp {
  const agentOptions = { keepAlive: true, maxSockets: 64 }
  const http = new HttpAgent(agentOptions)
  const https = new HttpsAgent(agentOptions)
  const instance: Got = got.extend({
    prefixUrl: opts.baseUrl.endsWith('/') ? opts.baseUrl : `${opts.baseUrl}/`,
    agent: { http, https },
    responseType: 'json',
    throwHttpErrors: false,
    followRedirect: false,
    retry: { limit: 0 },
    timeout: { request: opts.timeoutMs },
    headers: { 'cache-control': 'no-cache', 'user-agent': 'hostaway-gateway' }
  })

  return {
    async send (req) {
      try {
        const pending = instance(req.path, {
          method: req.method,
          searchParams: req.searchParams,
          json: req.json,
          form: req.form,
          headers: req.headers,
          signal: req.signal
        })
        const { onWritten } = req
        if (onWritten !== undefined) pending.on('request', (request) => { request.once('finish', onWritten) })
        const res = await pending
        return { kind: 'response', status: res.statusCode, body: res.body }
      } catch (err) {
        if (req.signal.aborted) return { kind: 'aborted' }
        if (err instanceof TimeoutError) return { kind: 'timeout' }
        if (err instanceof ParseError) return { kind: 'bad_body', status: err.response.statusCode }
        const code = (err as { code?: unknown }).code
        return { kind: 'network', code: typeof code === 'string' ? code : 'ERR_NETWORK' }
      }
    },
    close () {
      http.destroy()
      https.destroy()
    }
  }
}
