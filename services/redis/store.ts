import type { FastifyBaseLogger } from 'fastify'
import type { KeyValueStore } from '../hostaway/types.js'
import { luaScript, RedisUnavailableError, type RedisConnection } from './connection.js'
import type { AccountKeys } from './keys.js'

/** A fill (SET with its TTL) unless the key was invalidated recently: KEYS value, fence; ARGV value, ttl. */
const FILL = luaScript(`
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`)

/** An invalidation: drop the value and fence the key; with a value (ARGV 2, 3) put it in place. */
const FENCE = luaScript(`
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], '1', 'PX', ARGV[1])
if ARGV[2] then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
return 1
`)

export interface RedisStoreOptions {
  connection: Pick<RedisConnection, 'command' | 'script' | 'onRecovered'>
  keys: Pick<AccountKeys, 'cache' | 'fence'>
  /**
   * How long after an invalidation fills are refused (ms): at least the longest an upstream read
   * already in flight may still answer (the per-attempt timeout), so that a read another instance
   * sent before a write never puts the old value back.
   */
  fenceMs: number
  /** parsed values kept per instance, keyed by their JSON (default 10 000) */
  memoEntries?: number
  log: Pick<FastifyBaseLogger, 'warn' | 'debug'>
}

/**
 * The read cache (negative entries included: they are plain objects) shared by every instance, in
 * Redis as JSON with the entry's TTL. Every read asks Redis, so a write or a webhook on any
 * instance is seen by all at once; a small memo of parsed values, keyed by the JSON Redis holds,
 * hands out the same object while the entry is unchanged (no parse, and batch-json.ts writes an
 * object's JSON once). Invalidations fence the key for `fenceMs` against fills that may predate
 * them. Redis being unavailable is a miss, a skipped fill, and an invalidation kept here and sent
 * when Redis is back; `clear` forgets only this instance's memo.
 */
export function createRedisStore ({ connection, keys, fenceMs, memoEntries = 10_000, log }: RedisStoreOptions): KeyValueStore<unknown> {
  const memo = new Map<string, { raw: string, value: unknown }>()
  /** invalidations Redis did not get (it was unavailable), sent again when it is back */
  const pending = new Set<string>()

  function remember (key: string, raw: string, value: unknown): void {
    memo.delete(key)
    memo.set(key, { raw, value })
    if (memo.size > memoEntries) memo.delete(memo.keys().next().value as string)
  }

  /** Run `op`; Redis unavailable gives `fallback` (logged at debug: the connection logs the outage once). */
  async function tolerant<T> (op: string, key: string, run: () => Promise<T>, fallback: T): Promise<T> {
    try {
      return await run()
    } catch (err) {
      if (!(err instanceof RedisUnavailableError)) throw err
      log.debug({ op, key }, 'redis cache unavailable')
      return fallback
    }
  }

  async function fence (key: string, replacement?: { raw: string, ttlMs: number }): Promise<void> {
    memo.delete(key)
    const args = [String(fenceMs), ...(replacement === undefined ? [] : [replacement.raw, String(Math.max(1, Math.round(replacement.ttlMs)))])]
    const done = await tolerant('invalidate', key, async () => {
      await connection.script(FENCE, [keys.cache(key), keys.fence(key)], args)
      return true
    }, false)
    if (done) pending.delete(key)
    else if (pending.size < 100_000) pending.add(key)
    else log.warn({ key }, 'redis cache: too many invalidations waiting for redis, one dropped')
  }

  connection.onRecovered(() => {
    const keysToSend = [...pending]
    for (const key of keysToSend) {
      fence(key).catch((err: unknown) => log.warn({ err, key }, 'redis cache: a held invalidation failed'))
    }
  })

  return {
    async get (key) {
      return await tolerant('get', key, async () => {
        const raw = await connection.command(['GET', keys.cache(key)])
        if (typeof raw !== 'string') {
          memo.delete(key)
          return undefined
        }
        const known = memo.get(key)
        if (known !== undefined && known.raw === raw) return known.value
        const value: unknown = JSON.parse(raw)
        remember(key, raw, value)
        return value
      }, undefined)
    },

    async set (key, value, ttlMs) {
      if (!(ttlMs > 0)) return
      const raw = JSON.stringify(value)
      const stored = await tolerant('set', key, () => connection.script(FILL, [keys.cache(key), keys.fence(key)], [raw, String(Math.round(ttlMs))]), 0)
      if (stored === 1) remember(key, raw, value)
    },

    async delete (key) {
      await fence(key)
    },

    async replace (key, value, ttlMs) {
      if (!(ttlMs > 0)) return await fence(key)
      const raw = JSON.stringify(value)
      await fence(key, { raw, ttlMs })
      if (!pending.has(key)) remember(key, raw, value)
    },

    async clear () {
      memo.clear()
    }
  }
}
