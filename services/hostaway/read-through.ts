import type { FastifyBaseLogger } from 'fastify'
import { abortMessage } from './abort.js'
import { abortedError } from './classify.js'
import type { CallOptions, KeyValueStore } from './types.js'

export interface ReadThroughDeps {
  store: KeyValueStore<unknown>
  /** how long a value is kept (ms); 0 disables the cache (in-flight sharing stays) */
  ttlMs: number
  log: FastifyBaseLogger
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

export type ReadThrough = ReturnType<typeof createReadThrough>

/**
 * A read-through cache with in-flight sharing: a hit costs no upstream call; concurrent misses
 * for one key share one upstream read (each caller hears of its attempts and may stop waiting
 * through its own signal; the read is aborted only when nobody waits any more). The store is an
 * optimisation: a failing store (e.g. a shared one that is down) is logged and skipped.
 */
export function createReadThrough ({ store, ttlMs, log }: ReadThroughDeps) {
  const inflight = new Map<string, Shared>()

  async function storeOp<T> (op: string, key: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn()
    } catch (err) {
      log.warn({ err, op, key }, 'hostaway read cache failed')
      return undefined
    }
  }

  function start (key: string, fetch: (opts: Required<CallOptions>) => Promise<unknown>): Shared {
    const shared: Shared = { promise: Promise.resolve(), controller: new AbortController(), waiting: 0, attempts: 0, listeners: new Set(), stale: false }
    shared.promise = fetch({
      signal: shared.controller.signal,
      onAttempt: () => {
        shared.attempts++
        for (const listener of shared.listeners) listener()
      }
    }).then(async (value) => {
      if (ttlMs > 0 && !shared.stale) await storeOp('set', key, () => store.set(key, value, ttlMs))
      return value
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

  return {
    /** The value under `key`: from the store, from a read already in flight, or from `fetch`. */
    async read<T> (key: string, label: string, fetch: (opts: Required<CallOptions>) => Promise<T>, opts: CallOptions = {}): Promise<T> {
      if (ttlMs > 0) {
        const hit = await storeOp('get', key, () => store.get(key))
        if (hit !== undefined) return hit as T
      }
      return await join<T>(key, label, inflight.get(key) ?? start(key, fetch), opts)
    },

    /** Forget `key`, and make a read of it already in flight neither shared nor stored. */
    async invalidate (key: string): Promise<void> {
      const shared = inflight.get(key)
      if (shared !== undefined) {
        shared.stale = true
        inflight.delete(key)
      }
      await storeOp('delete', key, () => store.delete(key))
    },

    async clear (): Promise<void> {
      inflight.clear()
      await storeOp('clear', '*', () => store.clear())
    }
  }
}
