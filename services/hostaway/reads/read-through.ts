import type { FastifyBaseLogger } from 'fastify'
import { GatewayError } from '../../errors.js'
import { isMissing, notFound, type Missing } from './missing.js'
import { abortMessage } from '../../abort.js'
import { abortedError } from '../call/classify.js'
import type { BoundCallOptions, CallOptions } from '../../seams.js'
import type { KeyValueStore } from '../../seams.js'
import { resourceOf, type Telemetry } from '../../telemetry.js'

export interface ReadThroughDeps {
  store: KeyValueStore<unknown>
  /** how long a value is kept (ms); 0 disables the cache (in-flight sharing stays) */
  ttlMs: number
  /** how long an upstream 404 is remembered (ms); 0 disables the negative cache */
  negativeTtlMs: number
  log: FastifyBaseLogger
  /** reports each lookup of a read (hit, miss, negative hit) by resource */
  telemetry: Pick<Telemetry, 'cacheLookup'>
}

/** One upstream read shared by every concurrent caller asking for the same key. */
interface Shared {
  promise: Promise<unknown>
  controller: AbortController
  /** callers still waiting; when the last one gives up the shared read is aborted */
  waiting: number
  /** attempts sent so far */
  attempts: number
  /** onAttempt callbacks of the callers still waiting */
  listeners: Set<() => void>
  /** invalidated while in flight: its result must not be cached */
  stale: boolean
}

/** What the cache knows of a key without asking upstream. */
export type Peeked<T> = { value: T } | { error: GatewayError } | undefined

export type ReadThrough = ReturnType<typeof createReadThrough>

/**
 * A read-through cache with in-flight sharing: a hit costs no upstream call; concurrent misses
 * for one key share one upstream read (each caller hears of its attempts and may stop waiting
 * through its own signal; the read is aborted only when nobody waits any more); an upstream 404 is
 * remembered `negativeTtlMs` (a "negative" entry, forgotten like any other on invalidate). Values
 * learnt elsewhere (list pages, webhooks) are put in with `prime` / `replace`. The store is an
 * optimisation: a failing store (e.g. a shared one that is down) is logged and skipped.
 */
export function createReadThrough ({ store, ttlMs, negativeTtlMs, log, telemetry }: ReadThroughDeps) {
  const inflight = new Map<string, Shared>()
  const caching = ttlMs > 0 || negativeTtlMs > 0
  /** invalidations so far, and the last one of each key while a page that read it may still be in flight */
  let epoch = 0
  const invalidatedAt = new Map<string, number>()
  /** reads that started at or before this epoch may have missed a mark dropped to keep the map small */
  let forgottenUpTo = -1

  async function storeOp<T> (op: string, key: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn()
    } catch (err) {
      log.warn({ err, op, key }, 'hostaway read cache failed')
      return undefined
    }
  }

  function remember (key: string, shared: Shared | undefined, value: unknown): Promise<unknown> {
    if (shared?.stale === true) return Promise.resolve()
    return storeOp('set', key, () => store.set(key, value, isMissing(value) ? negativeTtlMs : ttlMs))
  }

  function start (key: string, fetch: (opts: BoundCallOptions) => Promise<unknown>, keep: boolean, { admission }: CallOptions): Shared {
    const shared: Shared = { promise: Promise.resolve(), controller: new AbortController(), waiting: 0, attempts: 0, listeners: new Set(), stale: false }
    shared.promise = fetch({
      signal: shared.controller.signal,
      // the read waits for a rate-limit slot in the place of the caller who started it
      admission,
      onAttempt: () => {
        shared.attempts++
        for (const listener of shared.listeners) listener()
      }
    }).then(async (value) => {
      if (keep && ttlMs > 0) await remember(key, shared, value)
      return value
    }, async (err: unknown) => {
      if (keep && negativeTtlMs > 0 && err instanceof GatewayError && err.error_type === 'not_found') {
        await remember(key, shared, { '@notFound': err.message } satisfies Missing)
      }
      throw err
    }).finally(() => {
      if (inflight.get(key) === shared) inflight.delete(key)
    })
    // callers who gave up leave the shared promise unobserved
    shared.promise.catch(() => {})
    inflight.set(key, shared)
    return shared
  }

  /** Wait for a shared read on behalf of one caller, who may stop waiting through its own signal. */
  function join<T> (key: string, label: string, shared: Shared, { signal, onAttempt }: CallOptions): Promise<T> {
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
        if (--shared.waiting === 0) {
          // nobody else is interested: abort the read (freeing its limiter place or socket) and
          // report what it says, which knows where it stopped
          if (inflight.get(key) === shared) inflight.delete(key)
          shared.controller.abort(signal?.reason)
          shared.promise.then((value) => resolve(value as T), reject)
          return
        }
        // the read goes on for the others
        const phase = shared.attempts === 0 ? 'before the request was sent' : 'while the request was in flight'
        reject(abortedError({ method: 'GET', label, attempts: shared.attempts }, `${abortMessage(signal as AbortSignal)} ${phase}`, null))
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

  async function peek<T> (key: string): Promise<Peeked<T>> {
    if (!caching) return undefined
    const hit = await storeOp('get', key, () => store.get(key))
    if (hit === undefined) return undefined
    return isMissing(hit) ? { error: notFound(hit['@notFound']) } : { value: hit as T }
  }

  /** `peek`, reported as a cache lookup (while there is a cache). */
  async function lookup<T> (key: string): Promise<Peeked<T>> {
    const known = await peek<T>(key)
    if (caching) telemetry.cacheLookup(resourceOf(key), known === undefined ? 'miss' : 'error' in known ? 'negative_hit' : 'hit')
    return known
  }

  /** The part of an invalidation that stays in this instance: reads in flight and pages already sent. */
  function markInvalidated (key: string): void {
    invalidatedAt.set(key, epoch++)
    // the marks only matter to reads in flight: keep the map small, and treat older reads as stale
    if (invalidatedAt.size > 10_000) {
      invalidatedAt.clear()
      forgottenUpTo = epoch
    }
    const shared = inflight.get(key)
    if (shared !== undefined) {
      shared.stale = true
      inflight.delete(key)
    }
  }

  async function invalidate (key: string): Promise<void> {
    markInvalidated(key)
    await storeOp('delete', key, () => store.delete(key))
  }

  /**
   * Store `value` under `key` as read by a call that started at `since` (an `epoch()`), unless
   * the key was invalidated since then: a page read before a write never overwrites it.
   */
  async function prime (key: string, value: unknown, since: number): Promise<void> {
    if (ttlMs <= 0 || since <= forgottenUpTo || (invalidatedAt.get(key) ?? -1) >= since) return
    await storeOp('set', key, () => store.set(key, value, ttlMs))
  }

  return {
    /**
     * The value under `key`: from the store (a remembered 404 throws not_found), from a read already
     * in flight, or from `fetch`. `reported` true: this lookup was reported already (by a batch plan).
     */
    async read<T> (key: string, label: string, fetch: (opts: BoundCallOptions) => Promise<T>, opts: CallOptions = {}, reported = false): Promise<T> {
      const known = reported ? await peek<T>(key) : await lookup<T>(key)
      if (known !== undefined) {
        if ('error' in known) throw known.error
        return known.value
      }
      return await join<T>(key, label, inflight.get(key) ?? start(key, fetch, true, opts), opts)
    },

    /** What the store knows of `key` (a value, or a remembered 404), without any upstream call. */
    peek,

    /** `peek` for a read: reported as a cache hit, miss or negative hit. */
    lookup,

    /** One upstream read shared by concurrent callers, like `read`, but never stored (e.g. a list page). */
    share<T> (key: string, label: string, fetch: (opts: BoundCallOptions) => Promise<T>, opts: CallOptions = {}): Promise<T> {
      return join<T>(key, label, inflight.get(key) ?? start(key, fetch, false, opts), opts)
    },

    /** A counter to take before reading something that `prime` will store (see prime). */
    epoch (): number {
      return epoch
    },

    prime,

    /** `prime` every value (e.g. a list page's items) under `keyOf(value)`, at once; values without a key are skipped. */
    async primeAll<V> (values: readonly V[], keyOf: (value: V) => string | undefined, since: number): Promise<void> {
      await Promise.all(values.map(async (value) => {
        const key = keyOf(value)
        if (key !== undefined) await prime(key, value, since)
      }))
    },

    /** Forget `key`, and make a read of it already in flight (or a page already sent) neither shared nor stored. */
    invalidate,

    /** Put a value known to be current (e.g. from a webhook) in place of whatever is cached or in flight. */
    async replace (key: string, value: unknown): Promise<void> {
      const { replace } = store
      if (replace === undefined || ttlMs <= 0) {
        await invalidate(key)
        if (ttlMs > 0) await storeOp('set', key, () => store.set(key, value, ttlMs))
        return
      }
      // a shared store puts it in place of the old value at once, fenced against older fills
      markInvalidated(key)
      await storeOp('replace', key, () => replace.call(store, key, value, ttlMs))
    },

    async clear (): Promise<void> {
      inflight.clear()
      await storeOp('clear', '*', () => store.clear())
    }
  }
}
