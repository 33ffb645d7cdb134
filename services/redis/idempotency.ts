import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import { heldClaim, type ClaimResult, type IdempotencyStore, type StoredResponse } from '../idempotency.js'
import { compareAndDelete, RedisUnavailableError, type RedisConnection } from './connection.js'
import type { AccountKeys } from './keys.js'

interface Entry {
  fingerprint: string
  /** the claiming request, so a release never drops another one's claim */
  owner?: string
  response?: StoredResponse
}

export interface RedisIdempotencyOptions {
  connection: Pick<RedisConnection, 'command' | 'script'>
  keys: Pick<AccountKeys, 'idempotency'>
  /**
   * How long a claim holds while its request runs (ms): longer than any batch may run. An instance
   * that dies mid-request leaves its claim behind; after the lease the key can be used again.
   */
  leaseMs: number
  log: Pick<FastifyBaseLogger, 'error' | 'warn'>
}

/**
 * Idempotency-Key results shared by every instance, in Redis: a key is claimed with one atomic
 * `SET … NX GET` (the claim, or what the key already holds: another body → mismatch, a result →
 * replay, else in progress, i.e. 409 on any instance), the result kept for the requested TTL and
 * surviving restarts of the gateway. `claim` throws the connection's `unprocessed` error when Redis
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

  return {
    async claim (key, fingerprint, ttlMs): Promise<ClaimResult> {
      const claim = JSON.stringify({ fingerprint, owner: randomUUID() } satisfies Entry)
      const lease = String(Math.max(1, Math.min(leaseMs, ttlMs)))
      const held = await connection.command(['SET', keys.idempotency(key), claim, 'NX', 'GET', 'PX', lease])
      if (typeof held !== 'string') {
        claims.set(key, claim)
        return { state: 'claimed' }
      }
      return heldClaim(JSON.parse(held) as Entry, fingerprint)
    },

    async complete (key, fingerprint, response, ttlMs) {
      claims.delete(key)
      const entry = JSON.stringify({ fingerprint, response } satisfies Entry)
      await logged('complete', key, () => connection.command(['SET', keys.idempotency(key), entry, 'PX', String(Math.max(1, ttlMs))]))
    },

    async release (key) {
      const claim = claims.get(key)
      if (claim === undefined) return
      claims.delete(key)
      await logged('release', key, () => connection.script(compareAndDelete, [keys.idempotency(key)], [claim]))
    },

    async close () {
      claims.clear()
    }
  }
}
