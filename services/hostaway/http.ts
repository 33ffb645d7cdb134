import { Agent as HttpAgent } from 'node:http'
import { Agent as HttpsAgent } from 'node:https'
import { setTimeout as delay } from 'node:timers/promises'
import got, { ParseError, TimeoutError, type Got } from 'got'
import { abortReason } from './limiter.js'
import { scrub } from '../redact.js'

/** The minimal logger the client needs; pino and Fastify loggers fit. */
export interface HostawayLogger {
  debug (obj: object, msg?: string): void
  info (obj: object, msg?: string): void
  warn (obj: object, msg?: string): void
  error (obj: object, msg?: string): void
}

export const silentLogger: HostawayLogger = {
  debug () {},
  info () {},
  warn () {},
  error () {}
}

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'DELETE'

export interface UpstreamHttp {
  got: Got
  /** Destroy the keep-alive sockets. */
  close (): void
}

/**
 * The one got instance of a client: keep-alive agents, `prefixUrl`, JSON responses, no thrown HTTP
 * errors and got's own retry disabled — the client runs its own retry loop so that every attempt
 * first takes a rate-limiter slot.
 */
export function createUpstreamHttp (opts: { baseUrl: string, timeoutMs: number, maxSockets?: number }): UpstreamHttp {
  const agentOptions = { keepAlive: true, maxSockets: opts.maxSockets ?? 64 }
  const http = new HttpAgent(agentOptions)
  const https = new HttpsAgent(agentOptions)
  const instance = got.extend({
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
    got: instance,
    close () {
      http.destroy()
      https.destroy()
    }
  }
}

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
  signal?: AbortSignal
  timeoutMs: number
}

/** Send one attempt; never throws — every failure is turned into an outcome. */
export async function sendOnce (http: Got, req: AttemptRequest): Promise<AttemptOutcome> {
  try {
    const res = await http(req.path, {
      method: req.method,
      searchParams: req.searchParams,
      json: req.json,
      form: req.form,
      headers: req.headers,
      signal: req.signal,
      timeout: { request: req.timeoutMs }
    })
    return { kind: 'response', status: res.statusCode, body: res.body }
  } catch (err) {
    if (req.signal?.aborted === true) return { kind: 'aborted' }
    if (err instanceof TimeoutError) return { kind: 'timeout' }
    if (err instanceof ParseError) return { kind: 'bad_body', status: err.response.statusCode }
    const code = (err as { code?: unknown }).code
    return { kind: 'network', code: typeof code === 'string' ? code : 'ERR_NETWORK' }
  }
}

/** Statuses worth another attempt (idempotent methods only). */
export const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504])

/** Full-jitter exponential backoff: random(0, min(maxMs, baseMs * 2^retry)). */
export function backoffMs (retry: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** retry)
  return Math.floor(random() * ceiling)
}

/** Wait `ms`, rejecting (and clearing the timer) when the signal aborts. */
export async function sleep (ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted === true) throw abortReason(signal)
  if (ms <= 0) return
  try {
    await delay(ms, undefined, { signal })
  } catch (err) {
    // the only way this timer rejects is the signal (re-read: TS narrowed `aborted` above)
    if (signal !== undefined && isAborted(signal)) throw abortReason(signal)
    throw err
  }
}

function isAborted (signal: AbortSignal): boolean {
  return signal.aborted
}

/** Settle with `promise`, or reject as soon as `signal` aborts (the promise itself goes on). */
export function raceSignal<T> (promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (signal === undefined) return promise
  if (signal.aborted) return Promise.reject(abortReason(signal))
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal))
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then((value) => {
      signal.removeEventListener('abort', onAbort)
      resolve(value)
    }, (err: unknown) => {
      signal.removeEventListener('abort', onAbort)
      reject(err)
    })
  })
}

/**
 * A signal aborting when either input aborts. `dispose` detaches the listeners, so long-lived
 * signals (the client's close signal) do not accumulate one listener per call.
 */
export function linkSignals (a: AbortSignal, b?: AbortSignal): { signal: AbortSignal, dispose: () => void } {
  if (b === undefined) return { signal: a, dispose () {} }
  const controller = new AbortController()
  if (a.aborted || b.aborted) {
    controller.abort(a.aborted ? a.reason : b.reason)
    return { signal: controller.signal, dispose () {} }
  }
  const onA = () => controller.abort(a.reason)
  const onB = () => controller.abort(b.reason)
  a.addEventListener('abort', onA, { once: true })
  b.addEventListener('abort', onB, { once: true })
  return {
    signal: controller.signal,
    dispose () {
      a.removeEventListener('abort', onA)
      b.removeEventListener('abort', onB)
    }
  }
}

/**
 * The human part of an upstream error body: its `message` or `result` string, with anything that
 * looks like a token or one of `secrets` removed, whitespace collapsed, at most 200 characters.
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
  text = scrub(text, secrets).replace(/\s+/g, ' ').trim()
  if (text === '') return undefined
  return text.length > 200 ? `${text.slice(0, 199)}…` : text
}
