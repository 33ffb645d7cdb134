import { randomUUID } from 'node:crypto'
import type { SharedTokens, SharedTokenState } from '../seams.js'
import { compareAndDelete, luaScript, type RedisConnection } from './connection-api.js'
import type { AccountKeys } from './keys.js'

/** The token hash as a reply: { value, ms to live, ms of settle wait left } on Redis' clock; nil when there is none. */
const READ = `
local v = redis.call('HMGET', KEYS[1], 'value', 'settle_until')
if not v[1] then return false end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return {v[1], redis.call('PTTL', KEYS[1]), math.max(0, tonumber(v[2]) - now)}
`

const GET = luaScript(READ)

/**
 * Compare-and-replace: store the new token (ARGV value, ttl ms, settle ms) unless the stored one
 * is no longer ARGV[1] ('' = none was there); then read whatever is in force.
 */
const REPLACE = luaScript(`
local held = redis.call('HGET', KEYS[1], 'value')
if (not held) or held == ARGV[1] then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'value', ARGV[2], 'settle_until', string.format('%.0f', now + tonumber(ARGV[4])))
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
` + READ)

function state (reply: unknown): SharedTokenState | undefined {
  if (!Array.isArray(reply)) return undefined
  const [value, ttlMs, settleInMs] = reply as [string, number, number]
  // PTTL is -1 without expiry, -2 gone: such a token is not used
  return ttlMs > 0 ? { value, ttlMs, settleInMs } : undefined
}

/** The access token of an account, shared by its instances in Redis (see hostaway/shared-token.ts). */
export function createRedisTokens ({ connection, keys }: { connection: Pick<RedisConnection, 'command' | 'script'>, keys: Pick<AccountKeys, 'token' | 'tokenLock'> }): SharedTokens {
  return {
    async get () {
      return state(await connection.script(GET, [keys.token], []))
    },

    async lock (ttlMs) {
      const owner = randomUUID()
      const ok = await connection.command(['SET', keys.tokenLock, owner, 'NX', 'PX', String(Math.max(1, ttlMs))])
      return ok === 'OK' ? owner : undefined
    },

    async unlock (owner) {
      await connection.script(compareAndDelete, [keys.tokenLock], [owner])
    },

    async replace (expected, token) {
      const reply = await connection.script(REPLACE, [keys.token], [expected ?? '', token.value, String(Math.max(1, Math.round(token.ttlMs))), String(Math.max(0, token.settleMs))])
      const inForce = state(reply)
      if (inForce === undefined) throw new Error('redis token store: the token just stored is gone')
      return inForce
    }
  }
}
