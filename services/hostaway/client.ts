import { setMaxListeners } from 'node:events'
import type { Config } from '../../schemas/config.js'
import type { Listing, ListingUpdateFields, CalendarDay } from '../../schemas/listing.js'
import type { Booking } from '../../schemas/booking.js'
import type { Message, Conversation } from '../../schemas/message.js'
import { HostawayError } from '../errors.js'
import { createMemoryStore } from './cache.js'
import { abortedError, classifyOutcome, isIdempotent, withAttempts, type CallContext } from './classify.js'
import {
  backoffMs, createUpstreamHttp, linkSignals, sendOnce, silentLogger, sleep,
  type HostawayLogger, type HttpMethod
} from './http.js'
import { createMemoryRateLimiter } from './limiter.js'
import { scrub } from '../redact.js'
import { createTokenManager } from './token.js'
import type {
  CalendarQuery, CallOptions, ClientStats, HostawayClient, KeyValueStore, ListListingsQuery, Page,
  RateLimiter, SearchReservationsQuery
} from './types.js'

export interface HostawayClientOptions {
  /** e.g. https://api.hostaway.com/v1 */
  baseUrl: string
  /** Hostaway account id (OAuth client_id) */
  accountId: string
  /** client secret */
  apiKey: string
  /** per-IP budget per window (default 15) */
  rateLimitIp?: number
  /** per-account budget per window (default 20) */
  rateLimitAccount?: number
  /** upstream rate-limit window in ms (default 10 000) */
  rateWindowMs?: number
  /** requests kept in reserve below each limit (default 1) */
  safetyMargin?: number
  /** ms added to the window (default 100) */
  windowMarginMs?: number
  /** a shared limiter; by default the client builds (and owns) an in-memory one from the numbers above */
  limiter?: RateLimiter
  /** per-attempt timeout in ms (default 10 000) */
  timeoutMs?: number
  /** retries after the first attempt, idempotent methods only (default 3) */
  maxRetries?: number
  /** base of the exponential backoff in ms (default 200) */
  retryBaseMs?: number
  /** cap of one backoff wait in ms (default 5 000) */
  retryMaxDelayMs?: number
  /** wait after a new token before its first use in ms (default 1 000) */
  tokenSettleMs?: number
  /** how long rejected credentials fail fast without a new token request in ms (default 5 000) */
  credentialFailureBackoffMs?: number
  /** read cache TTL in ms for getListing / getReservation; 0 disables (default 30 000) */
  cacheTtlMs?: number
  /** a shared store for the read cache; by default an in-memory LRU owned by the client */
  cache?: KeyValueStore<unknown>
  logger?: HostawayLogger
  /** randomness of the backoff jitter (tests) */
  random?: () => number
}

/** Client options from the validated config (everything but the logger). */
export function clientOptionsFromConfig (config: Config): Omit<HostawayClientOptions, 'logger'> {
  if (config.HOSTAWAY_ACCOUNT_ID === undefined || config.HOSTAWAY_API_KEY === undefined) {
    throw new Error('Hostaway client: HOSTAWAY_ACCOUNT_ID and HOSTAWAY_API_KEY are not set (start the sandbox or configure credentials before building the app)')
  }
  return {
    baseUrl: config.HOSTAWAY_BASE_URL,
    accountId: config.HOSTAWAY_ACCOUNT_ID,
    apiKey: config.HOSTAWAY_API_KEY,
    rateLimitIp: config.HOSTAWAY_RATE_LIMIT_IP,
    rateLimitAccount: config.HOSTAWAY_RATE_LIMIT_ACCOUNT,
    rateWindowMs: config.HOSTAWAY_RATE_WINDOW_MS,
    safetyMargin: config.HOSTAWAY_RATE_SAFETY_MARGIN,
    windowMarginMs: config.HOSTAWAY_RATE_WINDOW_MARGIN_MS,
    timeoutMs: config.HOSTAWAY_TIMEOUT_MS,
    maxRetries: config.HOSTAWAY_MAX_RETRIES,
    retryBaseMs: config.HOSTAWAY_RETRY_BASE_MS,
    tokenSettleMs: config.HOSTAWAY_TOKEN_SETTLE_MS,
    cacheTtlMs: config.CACHE_TTL_MS
  }
}

/** Hostaway's standard envelope, once checked. */
interface Envelope {
  status: 'success'
  result: unknown
  count?: unknown
  limit?: unknown
  offset?: unknown
}

interface CallSpec {
  method: HttpMethod
  /** relative to the base URL, no leading slash, no query */
  path: string
  query?: Record<string, string | number | undefined>
  json?: object
  /** the shape `result` must have */
  expect: 'array' | 'object'
}

/** One upstream GET shared by every concurrent caller asking for the same id. */
interface SharedCall {
  promise: Promise<unknown>
  controller: AbortController
  /** callers still waiting; when the last one gives up the shared call is aborted */
  waiting: number
  /** attempts sent so far */
  attempts: number
  listeners: Set<() => void>
  /** invalidated while in flight: its result must not be cached */
  stale: boolean
}

function isEnvelope (body: unknown, expect: CallSpec['expect']): body is Envelope {
  if (typeof body !== 'object' || body === null) return false
  const { status, result } = body as { status?: unknown, result?: unknown }
  if (status !== 'success') return false
  if (expect === 'array') return Array.isArray(result)
  return typeof result === 'object' && result !== null && !Array.isArray(result)
}

function numberOr (value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback
}

function compact (query: CallSpec['query']): Record<string, string | number> | undefined {
  if (query === undefined) return undefined
  const out: Record<string, string | number> = {}
  for (const [k, v] of Object.entries(query)) if (v !== undefined) out[k] = v
  return Object.keys(out).length === 0 ? undefined : out
}

/**
 * The Hostaway upstream client: typed methods over one got instance, a shared rate limiter, a
 * token manager, retries with full-jitter backoff, error classification into HostawayError, and a
 * read cache with in-flight de-duplication for getListing / getReservation.
 *
 * Each attempt: token (single-flight, settled) → limiter slot (FIFO, abortable) → `onAttempt` → one
 * HTTP request with a per-attempt timeout and the caller's signal → classification (classify.ts).
 * GET/PUT/DELETE are retried (at most `maxRetries` times) on network errors, timeouts,
 * 408/429/500/502/503/504 and 2xx without a success envelope; POST never. A 401/403 drops the token
 * (if still current) and repeats the call once with a fresh one.
 *
 * The caller's signal: before any attempt was sent → `unprocessed` (attempts 0); after → `timeout`
 * for GET, `outcome_unknown` for writes (retryable for PUT). A per-attempt timeout of a write is also
 * `outcome_unknown` (DESIGN §2: "write sent, no answer in time"). `close()` aborts everything the
 * same way; an injected limiter or cache is left to its owner.
 */
export function createHostawayClient (options: HostawayClientOptions): HostawayClient {
  const log = options.logger ?? silentLogger
  const windowMs = options.rateWindowMs ?? 10_000
  const windowMarginMs = options.windowMarginMs ?? 100
  const timeoutMs = options.timeoutMs ?? 10_000
  const maxRetries = Math.max(0, options.maxRetries ?? 3)
  const retryBaseMs = options.retryBaseMs ?? 200
  const retryMaxDelayMs = options.retryMaxDelayMs ?? 5000
  const cacheTtlMs = Math.max(0, options.cacheTtlMs ?? 30_000)
  const random = options.random ?? Math.random

  const ownsLimiter = options.limiter === undefined
  const limiter: RateLimiter = options.limiter ?? createMemoryRateLimiter({
    limits: [
      { name: 'ip', max: options.rateLimitIp ?? 15 },
      { name: 'account', max: options.rateLimitAccount ?? 20 }
    ],
    windowMs,
    safetyMargin: options.safetyMargin ?? 1,
    windowMarginMs
  })
  const ownsCache = options.cache === undefined
  const cache: KeyValueStore<unknown> = options.cache ?? createMemoryStore<unknown>()
  const http = createUpstreamHttp({ baseUrl: options.baseUrl, timeoutMs })
  const rateLimitRetryAfterMs = () => limiter.nextSlotInMs() || windowMs + windowMarginMs

  const tokens = createTokenManager({
    http: http.got,
    clientId: options.accountId,
    clientSecret: options.apiKey,
    limiter,
    timeoutMs,
    maxRetries,
    retryBaseMs,
    retryMaxDelayMs,
    tokenSettleMs: options.tokenSettleMs ?? 1000,
    credentialFailureBackoffMs: options.credentialFailureBackoffMs,
    rateLimitRetryAfterMs,
    logger: log,
    random
  })

  const closer = new AbortController()
  // every pending call listens to it: no MaxListeners warning for a busy client
  setMaxListeners(0, closer.signal)
  const inflight = new Map<string, SharedCall>()
  const secrets = () => [options.apiKey, tokens.current()]
  let upstreamAttempts = 0
  let cacheHits = 0
  let cacheMisses = 0
  let joins = 0

  function context (method: HttpMethod, path: string): CallContext {
    return { method, label: `${method} /${path}`, attempts: 0, timeoutMs, rateLimitRetryAfterMs, secrets }
  }

  function aborted (ctx: CallContext, phase: string): HostawayError {
    const reason = closer.signal.aborted ? 'the client is closed' : `aborted ${phase}`
    return abortedError(ctx, reason, ctx.attempts === 0 ? (limiter.nextSlotInMs() || null) : null)
  }

  /** One logical call: token, slot, attempt, classify; retried as the method allows. */
  async function call (spec: CallSpec, opts: CallOptions = {}): Promise<Envelope> {
    const ctx = context(spec.method, spec.path)
    if (closer.signal.aborted) throw aborted(ctx, '')
    const { signal, dispose } = linkSignals(closer.signal, opts.signal)
    const idempotent = isIdempotent(spec.method)
    const searchParams = compact(spec.query)
    let retries = 0
    let authRetried = false
    try {
      for (;;) {
        let token: string
        try {
          token = await tokens.getToken(signal)
        } catch (err) {
          if (signal.aborted) throw aborted(ctx, 'while waiting for an access token')
          if (err instanceof HostawayError) throw withAttempts(err, ctx.attempts)
          throw err
        }
        try {
          await limiter.acquire(signal)
        } catch {
          if (signal.aborted) throw aborted(ctx, 'while waiting for a rate-limit slot')
          throw abortedError(ctx, 'the rate limiter is closed', null)
        }

        ctx.attempts++
        upstreamAttempts++
        try {
          opts.onAttempt?.()
        } catch (err) {
          log.warn({ err_message: err instanceof Error ? err.message : String(err) }, 'onAttempt callback threw')
        }
        const started = performance.now()
        const outcome = await sendOnce(http.got, {
          method: spec.method,
          path: spec.path,
          searchParams,
          json: spec.json,
          headers: { authorization: `Bearer ${token}` },
          signal,
          timeoutMs
        })
        log.debug({
          method: spec.method,
          path: `/${spec.path}`,
          attempt: ctx.attempts,
          outcome: outcome.kind === 'response' || outcome.kind === 'bad_body' ? outcome.status : outcome.kind,
          duration_ms: Math.round(performance.now() - started)
        }, 'hostaway attempt')

        if (outcome.kind === 'aborted') throw aborted(ctx, 'while the request was in flight')
        if (outcome.kind === 'response' && outcome.status >= 200 && outcome.status < 300 && isEnvelope(outcome.body, spec.expect)) {
          return outcome.body
        }
        if (outcome.kind === 'response' && (outcome.status === 401 || outcome.status === 403) && !authRetried) {
          // the token may have been revoked: drop it (unless someone already did) and try once more
          authRetried = true
          tokens.invalidate(token)
          log.info({ method: spec.method, path: `/${spec.path}`, status: outcome.status }, 'hostaway refused the token, refreshing it')
          continue
        }
        const { error, retry } = classifyOutcome(outcome, ctx)
        if (!retry || !idempotent || retries >= maxRetries) throw error
        let wait = backoffMs(retries, retryBaseMs, retryMaxDelayMs, random)
        // Hostaway sends no Retry-After: wait for our own window to open, and at least one step
        if (outcome.kind === 'response' && outcome.status === 429) wait = Math.max(wait, retryBaseMs, limiter.nextSlotInMs())
        retries++
        log.warn({
          method: spec.method,
          path: `/${spec.path}`,
          attempt: ctx.attempts,
          error_type: error.error_type,
          status: error.status_code,
          delay_ms: wait
        }, 'hostaway call failed, retrying')
        try {
          await sleep(wait, signal)
        } catch {
          throw aborted(ctx, 'while waiting to retry')
        }
      }
    } catch (err) {
      if (err instanceof HostawayError) throw err
      // a bug of ours (or of a dependency): never let anything but a HostawayError out
      log.error({ err_name: err instanceof Error ? err.name : typeof err, err_message: scrub(err instanceof Error ? err.message : String(err), secrets()) }, 'unexpected error in the hostaway client')
      throw new HostawayError(`${ctx.label}: internal error in the Hostaway client`, {
        status_code: null, error_type: 'internal_error', retryable: false, attempts: ctx.attempts
      })
    } finally {
      dispose()
    }
  }

  /** The read cache is an optimisation: a failing store (e.g. a shared one that is down) is logged and skipped. */
  async function cacheOp<T> (op: string, key: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn()
    } catch (err) {
      log.warn({ op, key, err_message: err instanceof Error ? err.message : String(err) }, 'hostaway read cache failed')
      return undefined
    }
  }

  function checkId (method: HttpMethod, what: string, id: number): void {
    if (!Number.isSafeInteger(id) || id < 1) {
      throw new HostawayError(`${method} /${what}/${scrub(String(id)).slice(0, 40)}: the id must be a positive integer`, {
        status_code: null, error_type: 'validation_error', retryable: false, attempts: 0
      })
    }
  }

  /** Wait for a shared call on behalf of one caller, who may stop waiting through its own signal. */
  function join<T> (key: string, shared: SharedCall, path: string, opts: CallOptions): Promise<T> {
    const { signal, onAttempt } = opts
    // one wrapper per caller, even when several pass the same function
    const listener = onAttempt === undefined ? undefined : () => onAttempt()
    if (listener !== undefined) {
      // a caller joining late still learns about the attempts already made on its behalf
      for (let i = 0; i < shared.attempts; i++) listener()
      shared.listeners.add(listener)
    }
    shared.waiting++
    return new Promise<T>((resolve, reject) => {
      const done = () => {
        if (listener !== undefined) shared.listeners.delete(listener)
        signal?.removeEventListener('abort', onAbort)
      }
      const onAbort = () => {
        done()
        shared.waiting--
        if (shared.waiting === 0) {
          // nobody is interested any more: free the limiter slot / the socket
          if (inflight.get(key) === shared) inflight.delete(key)
          shared.controller.abort()
        }
        const ctx = context('GET', path)
        ctx.attempts = shared.attempts
        reject(aborted(ctx, shared.attempts === 0 ? 'before the request was sent' : 'while the request was in flight'))
      }
      if (signal?.aborted === true) {
        onAbort()
        return
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      shared.promise.then((value) => {
        done()
        resolve(value as T)
      }, (err: unknown) => {
        done()
        reject(err)
      })
    })
  }

  /** GET by id through the read cache, de-duplicating concurrent identical calls. */
  async function getById<T> (key: string, path: string, opts: CallOptions = {}): Promise<T> {
    if (cacheTtlMs > 0) {
      const hit = await cacheOp('get', key, () => cache.get(key))
      if (hit !== undefined) {
        cacheHits++
        return hit as T
      }
      cacheMisses++
    }
    let shared = inflight.get(key)
    if (shared === undefined) {
      const controller = new AbortController()
      const created: SharedCall = {
        promise: Promise.resolve(),
        controller,
        waiting: 0,
        attempts: 0,
        listeners: new Set(),
        stale: false
      }
      created.promise = call({ method: 'GET', path, expect: 'object' }, {
        signal: controller.signal,
        onAttempt: () => {
          created.attempts++
          for (const listener of created.listeners) {
            try {
              listener()
            } catch (err) {
              log.warn({ err_message: err instanceof Error ? err.message : String(err) }, 'onAttempt callback threw')
            }
          }
        }
      }).then(async (body) => {
        if (cacheTtlMs > 0 && !created.stale) await cacheOp('set', key, () => cache.set(key, body.result, cacheTtlMs))
        return body.result
      }).finally(() => {
        if (inflight.get(key) === created) inflight.delete(key)
      })
      // callers who gave up leave the shared promise unobserved
      created.promise.catch(() => {})
      inflight.set(key, created)
      shared = created
    } else {
      joins++
    }
    return await join<T>(key, shared, path, opts)
  }

  async function invalidate (key: string): Promise<void> {
    const shared = inflight.get(key)
    if (shared !== undefined) {
      shared.stale = true
      inflight.delete(key)
    }
    await cacheOp('delete', key, () => cache.delete(key))
  }

  function page<T> (body: Envelope, query: { limit?: number, offset?: number }): Page<T> {
    const items = body.result as T[]
    return {
      items,
      count: numberOr(body.count, items.length),
      limit: numberOr(body.limit, query.limit ?? items.length),
      offset: numberOr(body.offset, query.offset ?? 0)
    }
  }

  return {
    async listListings (query: ListListingsQuery, opts?: CallOptions): Promise<Page<Listing>> {
      const body = await call({
        method: 'GET',
        path: 'listings',
        query: { limit: query.limit, offset: query.offset, city: query.city, match: query.match },
        expect: 'array'
      }, opts)
      return page<Listing>(body, query)
    },

    async getListing (id: number, opts?: CallOptions): Promise<Listing> {
      checkId('GET', 'listings', id)
      return await getById<Listing>(`listing:${id}`, `listings/${id}`, opts)
    },

    async getListingCalendar (id: number, query: CalendarQuery, opts?: CallOptions): Promise<CalendarDay[]> {
      checkId('GET', 'listings', id)
      const body = await call({
        method: 'GET',
        path: `listings/${id}/calendar`,
        query: { startDate: query.start_date, endDate: query.end_date },
        expect: 'array'
      }, opts)
      return body.result as CalendarDay[]
    },

    async updateListing (id: number, fields: ListingUpdateFields, opts?: CallOptions): Promise<Listing> {
      checkId('PUT', 'listings', id)
      const key = `listing:${id}`
      // before: nobody joins a read that started before the write; after: whatever the outcome
      await invalidate(key)
      try {
        const body = await call({ method: 'PUT', path: `listings/${id}`, json: fields, expect: 'object' }, opts)
        return body.result as Listing
      } finally {
        await invalidate(key)
      }
    },

    async searchReservations (query: SearchReservationsQuery, opts?: CallOptions): Promise<Page<Booking>> {
      const body = await call({
        method: 'GET',
        path: 'reservations',
        query: {
          listingId: query.listing_id,
          arrivalStartDate: query.arrival_from,
          arrivalEndDate: query.arrival_to,
          departureStartDate: query.departure_from,
          departureEndDate: query.departure_to,
          status: query.status,
          limit: query.limit,
          offset: query.offset
        },
        expect: 'array'
      }, opts)
      return page<Booking>(body, query)
    },

    async getReservation (id: number, opts?: CallOptions): Promise<Booking> {
      checkId('GET', 'reservations', id)
      return await getById<Booking>(`reservation:${id}`, `reservations/${id}`, opts)
    },

    async listConversations (query: { reservation_id: number }, opts?: CallOptions): Promise<Conversation[]> {
      const body = await call({
        method: 'GET',
        path: 'conversations',
        query: { reservationId: query.reservation_id },
        expect: 'array'
      }, opts)
      return body.result as Conversation[]
    },

    async listMessages (conversationId: number, opts?: CallOptions): Promise<Message[]> {
      checkId('GET', 'conversations', conversationId)
      const body = await call({ method: 'GET', path: `conversations/${conversationId}/messages`, expect: 'array' }, opts)
      return body.result as Message[]
    },

    async checkReady (opts?: CallOptions): Promise<void> {
      const ctx = context('POST', 'accessTokens')
      if (closer.signal.aborted) throw aborted(ctx, '')
      const { signal, dispose } = linkSignals(closer.signal, opts?.signal)
      try {
        await tokens.getToken(signal)
      } catch (err) {
        if (signal.aborted) throw aborted(ctx, 'while waiting for an access token')
        throw err
      } finally {
        dispose()
      }
    },

    stats (): ClientStats {
      const t = tokens.stats()
      return {
        limiter: limiter.stats(),
        tokens_requested: t.tokens_requested,
        tokens_issued: t.tokens_issued,
        upstream_attempts: upstreamAttempts,
        cache_hits: cacheHits,
        cache_misses: cacheMisses,
        deduplicated: joins,
        in_flight_shared: inflight.size
      }
    },

    async close (): Promise<void> {
      if (closer.signal.aborted) return
      const reason = new Error('Hostaway client closed')
      reason.name = 'AbortError'
      closer.abort(reason)
      tokens.close()
      if (ownsLimiter) limiter.close()
      inflight.clear()
      http.close()
      if (ownsCache) await cacheOp('clear', '*', () => cache.clear())
      log.debug({}, 'hostaway client closed')
    }
  }
}
