import type { FastifyBaseLogger } from 'fastify'
import type { KeyValueStore } from '../seams.js'
import { luaScript, RedisUnavailableError, type RedisConnection } from './connection-api.js'
import type { AccountKeys } from './keys.js'

/** An entry and the ms it has left: KEYS value; nil when there is none. */
const READ = luaScript(`
local v = redis.call('GET', KEYS[1])
if not v then return false end
return {v, redis.call('PTTL', KEYS[1])}
`)

/** A fill (SET with its TTL) unless the key was invalidated recently: KEYS value, fence; ARGV value, ttl. */
const FILL = luaScript(`
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`)

/**
 * An invalidation: drop the value, fence the key, count one more invalidation of the account (the
 * generation every instance checks before using what it holds); with a value (ARGV 2, 3) put it
 * in place. KEYS value, fence, generation.
 */
const FENCE = luaScript(`
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], '1', 'PX', ARGV[1])
redis.call('INCR', KEYS[3])
if ARGV[2] then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
return 1
`)

export interface RedisStoreOptions {
  connection: Pick<RedisConnection, 'command' | 'script' | 'onRecovered' | 'onInvalidate' | 'available'>
  keys: Pick<AccountKeys, 'cache' | 'fence' | 'cacheGeneration'>
  /**
   * How long after an invalidation fills are refused (ms): at least the longest an upstream read
   * already in flight may still answer (the per-attempt timeout), so that a read another instance
   * sent before a write never puts the old value back.
   */
  fenceMs: number
  log: Pick<FastifyBaseLogger, 'warn' | 'debug'>
}

/** Entries held by this instance (least recently used dropped first). */
const LOCAL_ENTRIES = 10_000
const now = () => performance.now()

interface Held {
  value: unknown
  /** the account's invalidation generation when it was read from Redis */
  generation: string
  /** when its Redis TTL ends (this instance's clock) */
  expiresAt: number
}

/**
 * The read cache (negative entries included: they are plain objects) shared by every instance, in
 * Redis as JSON with the entry's TTL. Each instance also holds what it read, tagged with the
 * account's invalidation generation (a counter every invalidation increments, in the same script),
 * and uses what it holds only while the generation is unchanged, else reads the entry again. The
 * generation is read with one small GET (shared by the reads started together, e.g. the ids of one
 * batch) and then known without asking while Redis tracks it for this connection (RESP3 client
 * tracking): Redis pushes its invalidation, in order with the replies, when any instance changes
 * it, in the same turn of its loop as it answers the writer. So a write or a webhook on any
 * instance is seen by every instance as soon as the writer hears it was counted, a warm read costs
 * no round trip to Redis, and hands out the same object (no parse; batch-json.ts writes its JSON once).
 * Invalidations fence the key for `fenceMs` against fills that may predate them. Redis unavailable
 * is a miss, a skipped fill, and an invalidation kept here and sent when Redis is back; `clear`
 * forgets only what this instance holds.
 */
export function createRedisStore ({ connection, keys, fenceMs, log }: RedisStoreOptions): KeyValueStore<unknown> {
  const held = new Map<string, Held>()
  /** invalidations Redis did not get (it was unavailable), sent again when it is back */
  const pending = new Set<string>()
  /** the generation read shared by the reads started in this turn of the event loop */
  let asking: Promise<string> | undefined

  function hold (key: string, entry: Held): void {
    held.delete(key)
    held.set(key, entry)
    if (held.size > LOCAL_ENTRIES) held.delete(held.keys().next().value as string)
  }

  /** the generation as last read, while nothing says it changed since (undefined: ask Redis) */
  let tracked: string | undefined
  /** changes heard of (pushed invalidations, a lost connection, this instance's own): a GET answered across one is not kept */
  let changes = 0
  const forget = () => { tracked = undefined; changes++ }
  connection.onInvalidate((key) => { if (key === null || key === keys.cacheGeneration) forget() })

  /** The account's current generation. Only reads started together share a request: a later read never gets an answer sent before it started. */
  function generation (): Promise<string> {
    // a connection that stalled may have missed a push: ask (and fail fast) like any command
    if (tracked !== undefined && connection.available()) return Promise.resolve(tracked)
    if (asking !== undefined) return asking
    const at = changes
    const p = connection.command(['GET', keys.cacheGeneration]).then((g) => {
      const current = typeof g === 'string' ? g : '0'
      // a push for the key comes after the reply that tracked it, before this continuation runs
      if (changes === at) tracked = current
      return current
    })
    asking = p
    queueMicrotask(() => { if (asking === p) asking = undefined })
    return p
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
    held.delete(key)
    const args = [String(fenceMs), ...(replacement === undefined ? [] : [replacement.raw, String(Math.max(1, Math.round(replacement.ttlMs)))])]
    const done = await tolerant('invalidate', key, async () => {
      await connection.script(FENCE, [keys.cache(key), keys.fence(key), keys.cacheGeneration], args)
      return true
    }, false)
    // this instance sees its own invalidation at once, whenever Redis' push about it arrives
    forget()
    if (done) pending.delete(key)
    else if (pending.size < 100_000) pending.add(key)
    else log.warn({ key }, 'redis cache: too many invalidations waiting for redis, one dropped')
  }

  connection.onRecovered(() => {
    // what this instance holds may have been invalidated meanwhile by another instance's held invalidation
    held.clear()
    for (const key of [...pending]) {
      fence(key).catch((err: unknown) => log.warn({ err, key }, 'redis cache: a held invalidation failed'))
    }
  })

  return {
    async get (key) {
      return await tolerant('get', key, async () => {
        const current = await generation()
        const mine = held.get(key)
        if (mine !== undefined && mine.generation === current && mine.expiresAt > now()) return mine.value
        const reply = await connection.script(READ, [keys.cache(key)], [])
        if (!Array.isArray(reply)) {
          held.delete(key)
          return undefined
        }
        const [raw, ttlMs] = reply as [string, number]
        const value: unknown = JSON.parse(raw)
        // read after `current` was: if an invalidation came between, the next read sees a newer generation
        if (ttlMs > 0) hold(key, { value, generation: current, expiresAt: now() + ttlMs })
        return value
      }, undefined)
    },

    async set (key, value, ttlMs) {
      if (!(ttlMs > 0)) return
      await tolerant('set', key, () => connection.script(FILL, [keys.cache(key), keys.fence(key)], [JSON.stringify(value), String(Math.round(ttlMs))]), 0)
    },

    async delete (key) {
      await fence(key)
    },

    async replace (key, value, ttlMs) {
      if (!(ttlMs > 0)) return await fence(key)
      await fence(key, { raw: JSON.stringify(value), ttlMs })
    },

    async clear () {
      held.clear()
    }
  }
}
