import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import { heldClaim, type ClaimResult, type IdempotencyStore, type StoredResponse } from '../idempotency.js'
import { compareAndDelete, luaScript, RedisUnavailableError, type RedisConnection } from './connection-api.js'
import type { AccountKeys } from './keys.js'

interface Entry {
  fingerprint: string
  /** the claiming request, so a release never drops another one's claim */
  owner?: string
  response?: StoredResponse
}

export interface RedisIdempotencyOptions {
  connection: Pick<RedisConnection, 'command' | 'script'>
  keys: Pick<AccountKeys, 'idempotency' | 'idempotencyCheckpoint'>
  /**
   * How long a claim holds while its request runs (ms): longer than any batch may run. An instance
   * that dies mid-request leaves its claim behind; after the lease the key can be used again.
   */
  leaseMs: number
  log: Pick<FastifyBaseLogger, 'error' | 'warn'>
}

/** The final result in KEYS[1] (ARGV[1], for ARGV[2] ms); the checkpoint it completes (KEYS[2]) is gone. */
const completeScript = luaScript(`
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('DEL', KEYS[2])
return 1
`)

/** A checkpoint in KEYS[2] (ARGV[1], for ARGV[2] ms), then the claim in KEYS[1] freed if it is still ours (ARGV[3]): one step, so no claim starts without it. */
const checkpointScript = luaScript(`
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
if redis.call('GET', KEYS[1]) == ARGV[3] then redis.call('DEL', KEYS[1]) end
return 1
`)

/**
 * Idempotency-Key results shared by every instance, in Redis: a key is claimed with one atomic
 * `SET … NX GET` (the claim, or what the key already holds: another body → mismatch, a result →
 * replay, else in progress, i.e. 409 on any instance), the result kept for the requested TTL and
 * surviving restarts of the gateway. A run cut short leaves a checkpoint under a key of its own
 * (written, and the claim freed, in one script); the instance that claims the key next resumes from
 * it, the final result removes it. `claim` throws the connection's `unprocessed` error when Redis
 * is unavailable (the request is refused, never run without its key); a result that cannot be
 * stored after the request ran, or a claim that cannot be released, is logged, never thrown: the
 * work was done (or failed) either way, and the claim expires with its lease.
 */
export function createRedisIdempotencyStore ({ connection, keys, leaseMs, log }: RedisIdempotencyOptions): IdempotencyStore {
  /** the claims this instance holds, as stored (compare-and-delete on release) */
  const claims = new Map<string, string>()

  async function logged (what: string, key: string, run: () => Promise<unknown>): Promise<void> {
    try {
      await run()
    } catch (err) {
      if (!(err instanceof RedisUnavailableError)) throw err
      log.error({ err, op: what }, 'idempotency store: redis unavailable')
    }
  }

  async function release (key: string): Promise<void> {
    const claim = claims.get(key)
    if (claim === undefined) return
    claims.delete(key)
    await logged('release', key, () => connection.script(compareAndDelete, [keys.idempotency(key)], [claim]))
  }

  return {
    async claim (key, fingerprint, ttlMs): Promise<ClaimResult> {
      const claim = JSON.stringify({ fingerprint, owner: randomUUID() } satisfies Entry)
      const lease = String(Math.max(1, Math.min(leaseMs, ttlMs)))
      const held = await connection.command(['SET', keys.idempotency(key), claim, 'NX', 'GET', 'PX', lease])
      if (typeof held === 'string') return heldClaim(JSON.parse(held) as Entry, fingerprint)
      claims.set(key, claim)
      let saved: unknown
      try {
        saved = await connection.command(['GET', keys.idempotencyCheckpoint(key)])
      } catch (err) {
        // without knowing what an earlier run finished, this one must not start
        await release(key)
        throw err
      }
      if (typeof saved !== 'string') return { state: 'claimed' }
      const checkpoint = JSON.parse(saved) as Entry
      if (checkpoint.fingerprint !== fingerprint) {
        await release(key)
        return { state: 'mismatch' }
      }
      return checkpoint.response === undefined ? { state: 'claimed' } : { state: 'claimed', checkpoint: checkpoint.response }
    },

    async complete (key, fingerprint, response, ttlMs) {
      claims.delete(key)
      const entry = JSON.stringify({ fingerprint, response } satisfies Entry)
      await logged('complete', key, () => connection.script(completeScript, [keys.idempotency(key), keys.idempotencyCheckpoint(key)], [entry, String(Math.max(1, ttlMs))]))
    },

    async checkpoint (key, fingerprint, partial, ttlMs) {
      const claim = claims.get(key) ?? ''
      claims.delete(key)
      const entry = JSON.stringify({ fingerprint, response: partial } satisfies Entry)
      await logged('checkpoint', key, () => connection.script(checkpointScript, [keys.idempotency(key), keys.idempotencyCheckpoint(key)], [entry, String(Math.max(1, ttlMs)), claim]))
    },

    release,

    async close () {
      claims.clear()
    }
  }
}
