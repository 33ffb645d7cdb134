// What the shared stores need of the Redis connection — its interface, the error it fails with,
// Lua scripts — without the Redis client itself: an instance without REDIS_URL imports these
// modules but never loads @redis/client (plugins/app/redis.ts imports connection.ts only when
// REDIS_URL is set; the client and its dependencies are ~18 MB of a process' memory).
import { createHash } from 'node:crypto'
import { GatewayError, unprocessedParts } from '../errors.js'

/** How long a request may wait for Redis to come back before it is told to retry (ms): the Retry-After of a 503. */
const REDIS_RETRY_AFTER_MS = 1000

/** Redis could not be used (down, or no answer in time): a retryable 503 `unprocessed` wherever it surfaces. */
export class RedisUnavailableError extends GatewayError {
  /** `reason`: why Redis cannot be used, as a clause ("the shared state (Redis at …) is unavailable: …"). */
  constructor (reason: string) {
    super(...unprocessedParts(undefined, reason, REDIS_RETRY_AFTER_MS))
    this.name = 'RedisUnavailableError'
  }
}

/** A Lua script, sent by its SHA-1 once Redis knows it. */
export interface LuaScript {
  source: string
  sha: string
}

export function luaScript (source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') }
}

/** Delete KEYS[1] only while it still holds ARGV[1] (a lock or a claim of this instance). */
export const compareAndDelete = luaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

/**
 * The one Redis connection of an instance, as the shared stores use it: every command either
 * answers within `timeoutMs` or fails at once with a GatewayError `unprocessed` (retryable, with
 * a retry hint) naming Redis as the reason. While Redis is known to be down (disconnected, or a
 * command did not answer in time) commands are not even sent: they fail fast until a PING answers.
 */
export interface RedisConnection {
  command (args: string[]): Promise<unknown>
  /** EVALSHA, loading the script on NOSCRIPT (a restarted Redis forgot it). */
  script (script: LuaScript, keys: string[], args: string[]): Promise<unknown>
  /** Connected and answering, as far as this instance knows. */
  available (): boolean
  /** Resolves when Redis answers a PING now; throws like `command` otherwise. */
  check (): Promise<void>
  /** `fn` runs each time the connection becomes usable again after a loss. */
  onRecovered (fn: () => void): void
  /**
   * `fn` runs with each key this connection read that was changed since (RESP3 client tracking:
   * Redis pushes it, on this connection, in order with the replies), and with null when every
   * such key may have changed (Redis flushed its tracking table, or the connection was lost).
   */
  onInvalidate (fn: (key: string | null) => void): void
  /** where Redis is (host:port or socket path), never credentials: for logs and messages */
  readonly target: string
  /** Connect, waiting at most `timeoutMs`; a Redis not there yet is retried in the background. */
  start (): Promise<void>
  close (): Promise<void>
}
