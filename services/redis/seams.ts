import { hostname } from 'node:os'
import type { FastifyBaseLogger } from 'fastify'
import type { Config } from '../../schemas/config.js'
import { limiterWeightOf } from '../config.js'
import { budgetWindowMs, capOf, pendingLeaseMs } from '../hostaway/budget.js'
import { createRateLimiter } from '../hostaway/limiter.js'
import type { SharedTokenDeps } from '../hostaway/shared-token.js'
import type { KeyValueStore, RateLimiter } from '../hostaway/types.js'
import { createRedisBudget } from './budget.js'
import type { RedisConnection } from './connection.js'
import { accountKeysOf } from './keys.js'
import { createRedisStore } from './store.js'
import { createRedisTokens } from './token.js'
import type { Telemetry } from '../telemetry.js'

export type RedisSeamsConfig = Pick<Config,
  'HOSTAWAY_ACCOUNT_ID' | 'HOSTAWAY_EGRESS_ID' | 'HOSTAWAY_RATE_LIMIT_IP' | 'HOSTAWAY_RATE_LIMIT_ACCOUNT' | 'HOSTAWAY_RATE_WINDOW_MS' |
  'HOSTAWAY_RATE_SAFETY_MARGIN' | 'HOSTAWAY_RATE_WINDOW_MARGIN_MS' | 'HOSTAWAY_RATE_LAG_MARGIN_MAX_MS' | 'HOSTAWAY_TIMEOUT_MS' | 'HOSTAWAY_MAX_RETRIES' |
  'LIMITER_MAX_QUEUE' | 'LIMITER_WEIGHTS'>

/** Pause between two looks at the shared token while another instance fetches it (ms, jittered up to twice). */
const TOKEN_POLL_MS = 50
/** Added to the per-attempt timeout to fence an invalidated cache key (ms): the read-through's own work after an answer. */
const FENCE_MARGIN_MS = 1000

/** The egress id of this instance: HOSTAWAY_EGRESS_ID, else the host name (instances on one host share its IP). */
export function egressId (config: Pick<Config, 'HOSTAWAY_EGRESS_ID'>): string {
  return config.HOSTAWAY_EGRESS_ID ?? hostname()
}

export interface RedisSeamsDeps {
  connection: RedisConnection
  config: RedisSeamsConfig
  log: FastifyBaseLogger
  telemetry: Telemetry
  /** ms added to the window now because the event loop lags (at most HOSTAWAY_RATE_LAG_MARGIN_MAX_MS) */
  lagMarginMs?: () => number
}

export interface RedisSeams {
  limiter: RateLimiter
  store: KeyValueStore<unknown>
  sharedToken: Pick<SharedTokenDeps, 'shared' | 'lockTtlMs' | 'pollMs' | 'random'>
}

/**
 * The shared seams of the upstream path when REDIS_URL is set: the limiter's FIFO queue over the
 * Redis budget (per account for every instance, per egress IP for instances sharing
 * HOSTAWAY_EGRESS_ID, both with the configured margins, and the lag margin `lagMarginMs`), the
 * read cache, and the shared token.
 */
export function createRedisSeams ({ connection, config, log, telemetry, lagMarginMs }: RedisSeamsDeps): RedisSeams {
  const keys = accountKeysOf(config)
  const windowMs = budgetWindowMs(config.HOSTAWAY_RATE_WINDOW_MS, config.HOSTAWAY_RATE_WINDOW_MARGIN_MS)
  const cap = (max: number) => capOf(max, config.HOSTAWAY_RATE_SAFETY_MARGIN)
  const now = () => performance.now()
  const budget = createRedisBudget({
    connection,
    logs: [
      { key: keys.budgetAccount, pendingKey: keys.budgetPending(keys.budgetAccount), cap: cap(config.HOSTAWAY_RATE_LIMIT_ACCOUNT) },
      { key: keys.budgetEgress(egressId(config)), pendingKey: keys.budgetPending(keys.budgetEgress(egressId(config))), cap: cap(config.HOSTAWAY_RATE_LIMIT_IP) }
    ],
    sinceKey: keys.budgetSince,
    windowMs,
    lagMarginMs,
    maxLagMarginMs: config.HOSTAWAY_RATE_LAG_MARGIN_MAX_MS,
    pendingLeaseMs: pendingLeaseMs(config.HOSTAWAY_TIMEOUT_MS, windowMs),
    // instances waiting for the same slot ask at slightly different moments: each gets its turn
    jitterMs: Math.min(50, Math.max(5, Math.round(windowMs / 50))),
    random: Math.random,
    now,
    log
  })
  return {
    // the queue's fairness, admission and bound stay per instance; the budget is shared
    limiter: createRateLimiter({
      budget,
      now,
      cap: Math.min(cap(config.HOSTAWAY_RATE_LIMIT_ACCOUNT), cap(config.HOSTAWAY_RATE_LIMIT_IP)),
      windowMs,
      maxQueue: config.LIMITER_MAX_QUEUE,
      weightOf: limiterWeightOf(config),
      telemetry
    }),
    store: createRedisStore({ connection, keys, fenceMs: config.HOSTAWAY_TIMEOUT_MS + FENCE_MARGIN_MS, log }),
    sharedToken: {
      shared: createRedisTokens({ connection, keys }),
      // a token request may take every attempt and a rate window; a lock held longer has been lost
      lockTtlMs: (config.HOSTAWAY_MAX_RETRIES + 1) * config.HOSTAWAY_TIMEOUT_MS + windowMs,
      pollMs: TOKEN_POLL_MS,
      random: Math.random
    }
  }
}
