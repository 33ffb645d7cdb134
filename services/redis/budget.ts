import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type { Budget } from '../hostaway/budget.js'
import { luaScript, type RedisConnection } from './connection.js'

/**
 * Both budgets in one atomic step, on Redis' clock (TIME, µs) so every instance shares one clock:
 * drop the entries older than the window from each log, and take a slot only when every log has
 * room (the same member added to each); otherwise answer how long until the entry that blocks
 * leaves the window (nothing taken). A Redis that lost its logs (restarted, flushed) knows nothing
 * of the requests sent just before: the first call after that starts the `since` mark and nobody
 * takes a slot until one window has passed.
 * KEYS: the logs (account, egress), the `since` mark. ARGV: window (µs), member, fresh-state wait
 * (µs), then one cap per log. Answers { granted 0|1, wait (ms), in window (most of the logs), wait
 * for the next slot after this one (ms), Redis time (µs) }.
 */
const TAKE = luaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[1])
local n = #KEYS - 1
local since = tonumber(redis.call('GET', KEYS[n + 1]))
if since == nil then
  since = now
  redis.call('SET', KEYS[n + 1], string.format('%.0f', now))
end
local wait = since + tonumber(ARGV[3]) - now
local counts = {}
for i = 1, n do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
  counts[i] = redis.call('ZCARD', KEYS[i])
  local cap = tonumber(ARGV[3 + i])
  if counts[i] >= cap then
    local edge = redis.call('ZRANGE', KEYS[i], counts[i] - cap, counts[i] - cap, 'WITHSCORES')
    local w = tonumber(edge[2]) + window - now
    if w > wait then wait = w end
  end
end
local most = 0
if wait > 0 then
  for i = 1, n do most = math.max(most, counts[i]) end
  return {0, math.ceil(wait / 1000), most, math.ceil(wait / 1000), now}
end
local nextWait = 0
for i = 1, n do
  redis.call('ZADD', KEYS[i], now, ARGV[2])
  redis.call('PEXPIRE', KEYS[i], math.ceil(window / 1000) + 1000)
  local count = counts[i] + 1
  most = math.max(most, count)
  local cap = tonumber(ARGV[3 + i])
  if count >= cap then
    local edge = redis.call('ZRANGE', KEYS[i], count - cap, count - cap, 'WITHSCORES')
    nextWait = math.max(nextWait, tonumber(edge[2]) + window - now)
  end
end
return {1, 0, most, math.ceil(nextWait / 1000), now}
`)

export interface RedisBudgetOptions {
  connection: Pick<RedisConnection, 'script' | 'command'>
  /** one sliding log per limit, with its cap (margins applied): the account's and the egress IP's */
  logs: Array<{ key: string, cap: number }>
  /** the `since` mark (see TAKE) */
  sinceKey: string
  /** the window (ms), margin included */
  windowMs: number
  /** after Redis lost the logs, how long nobody takes a slot (ms); one window by default */
  freshStateWaitMs?: number
  /** most random ms added to a wait, so that instances waiting for the same slot do not ask together */
  jitterMs: number
  random: () => number
  /** clock (ms), monotonic */
  now: () => number
  log: Pick<FastifyBaseLogger, 'warn'>
  /** observability: called with the Redis time (µs) of each slot this instance takes */
  onGrant?: (redisTimeUs: number) => void
}

/**
 * The upstream budget shared by every instance of an account, in Redis: a `Budget` (see
 * hostaway/budget.ts) for the limiter's FIFO queue. `take` asks the script once and answers its
 * wait (plus jitter: every waiting instance gets its turn, none waits for ever); `giveBack` removes
 * the member just added. `nextSlotInMs` and `inWindow` are this instance's view, from the script's
 * last answer. When Redis is unavailable `take` rejects with the connection's `unprocessed` error,
 * so the limiter fails its waiters at once: nothing is sent without the shared budget.
 */
export function createRedisBudget (options: RedisBudgetOptions): Budget {
  const { connection, logs, windowMs, random, now, log } = options
  if (logs.length === 0) throw new Error('redis budget: at least one limit is required')
  const instance = randomUUID()
  const keys = [...logs.map((l) => l.key), options.sinceKey]
  const fixed = [String(windowMs * 1000), '', String((options.freshStateWaitMs ?? windowMs) * 1000), ...logs.map((l) => String(Math.max(1, l.cap)))]
  let taken = 0
  let lastMember: string | undefined
  /** when (this instance's clock) the next slot may be free, as the last answer said */
  let nextAt = 0
  let inWindow = 0

  return {
    async take (): Promise<number> {
      const member = `${instance}:${++taken}`
      const args = [...fixed]
      args[1] = member
      const [granted, wait, most, next, at] = await connection.script(TAKE, keys, args) as number[]
      inWindow = most
      if (granted === 1) {
        lastMember = member
        nextAt = now() + next
        options.onGrant?.(at)
        return 0
      }
      nextAt = now() + wait
      return wait + Math.floor(random() * (options.jitterMs + 1))
    },

    giveBack (): void {
      const member = lastMember
      if (member === undefined) return
      lastMember = undefined
      nextAt = now()
      inWindow = Math.max(0, inWindow - 1)
      // commands on one connection run in order: this instance's next take sees the slot free
      for (const { key } of logs) {
        connection.command(['ZREM', key, member]).catch((err: unknown) => log.warn({ err }, 'redis budget: a slot could not be given back'))
      }
    },

    nextSlotInMs (): number {
      return Math.max(0, Math.ceil(nextAt - now()))
    },

    inWindow (): number {
      return inWindow
    }
  }
}
