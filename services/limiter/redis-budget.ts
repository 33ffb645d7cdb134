import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type { Budget, Slot } from './budget.js'
import { luaScript, type RedisConnection } from '../redis/connection-api.js'

/**
 * Both budgets in one atomic step, on Redis' clock (TIME, µs) so every instance shares one clock.
 * Each budget has two sorted sets: its log (requests written, scored by when) and its pending set
 * (slots granted whose request is not written yet, scored by when their lease ends). A pending slot
 * counts as written now; one whose lease ended counts as written then (its instance died, or could
 * not say). The step drops the log entries older than the longest window any instance may use,
 * and takes a slot (the same member added to each pending set) only when every budget has room
 * within this instance's window; otherwise it answers how long until the entry that blocks
 * leaves the window (nothing taken). A Redis that lost its logs (restarted, flushed) knows nothing
 * of the requests sent just before: the first call after that starts the `since` mark and nobody
 * takes a slot until one window has passed.
 * KEYS: the logs (account, egress), their pending sets in the same order, the `since` mark.
 * ARGV: window (µs, this instance's: margins and lag margin included), how long entries are kept
 * (µs), member, fresh-state wait (µs), pending lease (µs), then one cap per budget. Answers
 * { granted 0|1, wait (ms), in window (most of the budgets), wait for the next slot after this one
 * (ms), Redis time (µs) }.
 */
const TAKE = luaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[1])
local keep = tonumber(ARGV[2])
local lease = tonumber(ARGV[5])
local n = (#KEYS - 1) / 2
local since = tonumber(redis.call('GET', KEYS[2 * n + 1]))
if since == nil then
  since = now
  redis.call('SET', KEYS[2 * n + 1], string.format('%.0f', now))
end
local function edgeWait (i, total, recent, pending, cap)
  if recent + pending < cap then return 0 end
  if pending >= cap then return window end
  local rank = total - (cap - pending)
  local edge = redis.call('ZRANGE', KEYS[i], rank, rank, 'WITHSCORES')
  return tonumber(edge[2]) + window - now
end
local wait = since + tonumber(ARGV[4]) - now
local totals, recents, pendings = {}, {}, {}
for i = 1, n do
  local log, pending = KEYS[i], KEYS[n + i]
  local expired = redis.call('ZRANGEBYSCORE', pending, '-inf', string.format('%.0f', now), 'WITHSCORES')
  for j = 1, #expired, 2 do redis.call('ZADD', log, expired[j + 1], expired[j]) end
  if #expired > 0 then redis.call('ZREMRANGEBYSCORE', pending, '-inf', string.format('%.0f', now)) end
  redis.call('ZREMRANGEBYSCORE', log, '-inf', string.format('%.0f', now - keep))
  totals[i] = redis.call('ZCARD', log)
  recents[i] = redis.call('ZCOUNT', log, '(' .. string.format('%.0f', now - window), '+inf')
  pendings[i] = redis.call('ZCARD', pending)
  local w = edgeWait(i, totals[i], recents[i], pendings[i], tonumber(ARGV[5 + i]))
  if w > wait then wait = w end
end
local most = 0
for i = 1, n do most = math.max(most, recents[i] + pendings[i]) end
if wait > 0 then
  return {0, math.ceil(wait / 1000), most, math.ceil(wait / 1000), now}
end
local nextWait = 0
local ttl = math.ceil((keep + lease) / 1000) + 1000
for i = 1, n do
  redis.call('ZADD', KEYS[n + i], string.format('%.0f', now + lease), ARGV[3])
  redis.call('PEXPIRE', KEYS[n + i], ttl)
  redis.call('PEXPIRE', KEYS[i], ttl)
  nextWait = math.max(nextWait, edgeWait(i, totals[i], recents[i], pendings[i] + 1, tonumber(ARGV[5 + i])))
end
return {1, 0, most + 1, math.ceil(nextWait / 1000), now}
`)

/**
 * A granted slot's request was written: it leaves the pending sets and enters the logs, scored by
 * Redis' time now (a lease that ran out already moved it). KEYS: the logs, then their pending sets.
 * ARGV: member, the logs' TTL (ms).
 */
const SENT = luaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local n = #KEYS / 2
for i = 1, n do
  if redis.call('ZREM', KEYS[n + i], ARGV[1]) == 1 then
    redis.call('ZADD', KEYS[i], string.format('%.0f', now), ARGV[1])
    redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[2]))
  end
end
return now
`)

export interface RedisBudgetOptions {
  connection: Pick<RedisConnection, 'script' | 'command'>
  /** one sliding log per limit, with its cap (margins applied): the account's and the egress IP's; each with its pending set (keys.ts, budgetPending) */
  logs: Array<{ key: string, pendingKey: string, cap: number }>
  /** the `since` mark (see TAKE) */
  sinceKey: string
  /** the window (ms), margin included */
  windowMs: number
  /** ms added to the window now (the event loop's lag, hostaway/budget.ts lagMargin); default none */
  lagMarginMs?: () => number
  /** the most `lagMarginMs` ever answers (ms): entries are kept that much longer than a window */
  maxLagMarginMs?: number
  /** how long a slot may stay unwritten before it counts as written then (ms; hostaway/budget.ts pendingLeaseMs) */
  pendingLeaseMs: number
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
  /** observability: called with the Redis time (µs) at which a slot's request counted as written */
  onSent?: (redisTimeUs: number) => void
}

/**
 * The upstream budget shared by every instance of an account, in Redis: a `Budget` (see
 * hostaway/budget.ts) for the limiter's FIFO queue. `take` asks the script once and answers a slot,
 * or its wait (plus jitter: every waiting instance gets its turn, none waits for ever). A slot is
 * pending (counted as written now, by every instance) until `sent` moves it into the logs at
 * Redis' time, or `giveBack` removes it. `nextSlotInMs` and `inWindow` are this instance's view,
 * from the script's last answer. When Redis is unavailable `take` rejects with the connection's
 * `unprocessed` error, so the limiter fails its waiters at once: nothing is sent without the shared
 * budget. A `sent` that cannot reach Redis leaves the slot pending until its lease ends, when it
 * counts as written: later than it was, never earlier.
 */
export function createRedisBudget (options: RedisBudgetOptions): Budget {
  const { connection, logs, windowMs, random, now, log } = options
  if (logs.length === 0) throw new Error('redis budget: at least one limit is required')
  const instance = randomUUID()
  const logKeys = logs.map((l) => l.key)
  const pendingKeys = logs.map((l) => l.pendingKey)
  const keys = [...logKeys, ...pendingKeys, options.sinceKey]
  const lag = options.lagMarginMs ?? (() => 0)
  const keepMs = windowMs + Math.max(0, options.maxLagMarginMs ?? 0)
  const leaseMs = options.pendingLeaseMs
  const ttlMs = String(keepMs + leaseMs + 1000)
  const fixed = ['', String(keepMs * 1000), '', String((options.freshStateWaitMs ?? windowMs) * 1000), String(leaseMs * 1000), ...logs.map((l) => String(Math.max(1, l.cap)))]
  let taken = 0
  /** when (this instance's clock) the next slot may be free, as the last answer said */
  let nextAt = 0
  let inWindow = 0

  function slotOf (member: string): Slot {
    let settled = false
    return {
      sent (): void {
        if (settled) return
        settled = true
        connection.script(SENT, [...logKeys, ...pendingKeys], [member, ttlMs]).then(
          (at) => options.onSent?.(Number(at)),
          (err: unknown) => log.warn({ err }, 'redis budget: a written request could not be recorded (it counts as written when its lease ends)')
        )
      },
      giveBack (): void {
        if (settled) return
        settled = true
        nextAt = now()
        inWindow = Math.max(0, inWindow - 1)
        // commands on one connection run in order: this instance's next take sees the slot free
        for (const key of pendingKeys) {
          connection.command(['ZREM', key, member]).catch((err: unknown) => log.warn({ err }, 'redis budget: a slot could not be given back'))
        }
      }
    }
  }

  return {
    async take (): Promise<Slot | number> {
      const member = `${instance}:${++taken}`
      const args = [...fixed]
      args[0] = String(Math.round((windowMs + Math.max(0, Math.min(lag(), keepMs - windowMs))) * 1000))
      args[2] = member
      const [granted, wait, most, next, at] = await connection.script(TAKE, keys, args) as number[]
      inWindow = most
      if (granted === 1) {
        nextAt = now() + next
        options.onGrant?.(at)
        return slotOf(member)
      }
      nextAt = now() + wait
      return wait + Math.floor(random() * (options.jitterMs + 1))
    },

    nextSlotInMs (): number {
      return Math.max(0, Math.ceil(nextAt - now()))
    },

    inWindow (): number {
      return inWindow
    },

    lagMarginMs: (): number => Math.max(0, Math.min(lag(), keepMs - windowMs))
  }
}
