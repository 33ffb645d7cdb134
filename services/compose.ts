import { hostname } from 'node:os'
import type { FastifyBaseLogger } from 'fastify'
import type { Config } from '../schemas/config.js'
import { limiterWeightOf } from './config.js'
import { createLoopLag } from './loop-lag.js'
import { createRedisBudget } from './limiter/redis-budget.js'
import type { RedisConnection } from './redis/connection-api.js'
import { accountKeysOf } from './redis/keys.js'
import { createRedisStore } from './redis/store.js'
import { createRedisTokens } from './redis/token.js'
import type { Telemetry } from './telemetry.js'
import { createAttemptRunner } from './hostaway/call/attempt.js'
import { createBreaker } from './hostaway/call/breaker.js'
import { budgetWindowMs, capOf, createMemoryBudget, lagMargin, pendingLeaseMs } from './limiter/budget.js'
import { createMemoryStore } from './hostaway/reads/cache.js'
import { createCallExecutor } from './hostaway/call/executor.js'
import { createHostawayClient } from './hostaway/client.js'
import { createUpstreamHttp } from './hostaway/call/http.js'
import { createRateLimiter } from './limiter/limiter.js'
import { createReadThrough } from './hostaway/reads/read-through.js'
import { createTokenManager, type TokenManagerDeps } from './hostaway/call/token.js'
import type { KeyValueStore } from './seams.js'
import type { RateLimiter } from './limiter/types.js'

/**
 * The composition root of the upstream core: every part built once from the config, each given
 * only what it calls. Plugins only decorate what this builds (plugins/app/hostaway.ts).
 */

/** Cap of one backoff wait (ms). */
const RETRY_MAX_DELAY_MS = 5000
/** How long rejected Hostaway credentials fail fast before they are tried again (ms). */
const CREDENTIAL_FAILURE_BACKOFF_MS = 5000
/** How often the event loop's longest delay is sampled for the lag margin (ms). */
const LOOP_LAG_SAMPLE_MS = 500
/** Pause between two looks at the shared token while another instance fetches it (ms, jittered up to twice). */
const TOKEN_POLL_MS = 50
/** Added to the per-attempt timeout to fence an invalidated cache key (ms): the read-through's own work after an answer. */
const FENCE_MARGIN_MS = 1000

export type HostawayConfig = Pick<Config,
  'HOSTAWAY_BASE_URL' | 'HOSTAWAY_ACCOUNT_ID' | 'HOSTAWAY_API_KEY' | 'HOSTAWAY_RATE_LIMIT_IP' | 'HOSTAWAY_RATE_LIMIT_ACCOUNT' |
  'HOSTAWAY_RATE_WINDOW_MS' | 'HOSTAWAY_RATE_SAFETY_MARGIN' | 'HOSTAWAY_RATE_WINDOW_MARGIN_MS' | 'HOSTAWAY_RATE_LAG_MARGIN_MAX_MS' | 'HOSTAWAY_TIMEOUT_MS' |
  'HOSTAWAY_MAX_RETRIES' | 'HOSTAWAY_RETRY_BASE_MS' | 'HOSTAWAY_TOKEN_SETTLE_MS' | 'CACHE_TTL_MS' | 'NEGATIVE_CACHE_TTL_MS' |
  'BATCH_PLANNER' | 'BATCH_CONCURRENCY' | 'BREAKER_FAILURE_THRESHOLD' | 'BREAKER_WINDOW_MS' | 'BREAKER_OPEN_MS' | 'HOSTAWAY_EGRESS_ID' |
  'LIMITER_MAX_QUEUE' | 'LIMITER_WEIGHTS' | 'JSON_MAX_DEPTH'>

export type LimiterConfig = Pick<Config,
  'HOSTAWAY_ACCOUNT_ID' | 'HOSTAWAY_EGRESS_ID' | 'HOSTAWAY_RATE_LIMIT_IP' | 'HOSTAWAY_RATE_LIMIT_ACCOUNT' | 'HOSTAWAY_RATE_WINDOW_MS' |
  'HOSTAWAY_RATE_SAFETY_MARGIN' | 'HOSTAWAY_RATE_WINDOW_MARGIN_MS' | 'HOSTAWAY_RATE_LAG_MARGIN_MAX_MS' | 'HOSTAWAY_TIMEOUT_MS' |
  'LIMITER_MAX_QUEUE' | 'LIMITER_WEIGHTS'>

/** The egress id of this instance: HOSTAWAY_EGRESS_ID, else the host name (instances on one host share its IP). */
export function egressId (config: Pick<Config, 'HOSTAWAY_EGRESS_ID'>): string {
  return config.HOSTAWAY_EGRESS_ID ?? hostname()
}

/** A rate limiter and the budget it keeps: at most `cap` sends within any `windowMs` (margins applied). */
export type ConfiguredLimiter = RateLimiter & { readonly cap: number, readonly windowMs: number }

/**
 * The rate limiter the config asks for, one mapping for both stores: both Hostaway budgets (per IP,
 * per account) with the safety and window margins, the lag margin (`lagMarginMs`), the pending lease;
 * the queue's bound and weights. The budget is this instance's sliding log, or, given `redis`, the
 * logs in Redis shared by every instance (per account; per egress IP for instances sharing
 * HOSTAWAY_EGRESS_ID). The queue's fairness, admission and bound stay per instance.
 */
export function limiterFromConfig (config: LimiterConfig, telemetry: Telemetry, opts: { lagMarginMs?: () => number, redis?: { connection: RedisConnection, log: FastifyBaseLogger } } = {}): ConfiguredLimiter {
  const { lagMarginMs, redis } = opts
  const windowMs = budgetWindowMs(config.HOSTAWAY_RATE_WINDOW_MS, config.HOSTAWAY_RATE_WINDOW_MARGIN_MS)
  const lease = pendingLeaseMs(config.HOSTAWAY_TIMEOUT_MS, windowMs)
  const cap = Math.min(capOf(config.HOSTAWAY_RATE_LIMIT_ACCOUNT, config.HOSTAWAY_RATE_SAFETY_MARGIN), capOf(config.HOSTAWAY_RATE_LIMIT_IP, config.HOSTAWAY_RATE_SAFETY_MARGIN))
  const now = () => performance.now()
  let budget
  if (redis === undefined) {
    budget = createMemoryBudget({
      limits: [{ name: 'ip', max: config.HOSTAWAY_RATE_LIMIT_IP }, { name: 'account', max: config.HOSTAWAY_RATE_LIMIT_ACCOUNT }],
      windowMs: config.HOSTAWAY_RATE_WINDOW_MS,
      safetyMargin: config.HOSTAWAY_RATE_SAFETY_MARGIN,
      windowMarginMs: config.HOSTAWAY_RATE_WINDOW_MARGIN_MS,
      lagMarginMs,
      pendingLeaseMs: lease,
      now
    })
  } else {
    const keys = accountKeysOf(config)
    const egress = keys.budgetEgress(egressId(config))
    budget = createRedisBudget({
      connection: redis.connection,
      logs: [
        { key: keys.budgetAccount, pendingKey: keys.budgetPending(keys.budgetAccount), cap: capOf(config.HOSTAWAY_RATE_LIMIT_ACCOUNT, config.HOSTAWAY_RATE_SAFETY_MARGIN) },
        { key: egress, pendingKey: keys.budgetPending(egress), cap: capOf(config.HOSTAWAY_RATE_LIMIT_IP, config.HOSTAWAY_RATE_SAFETY_MARGIN) }
      ],
      sinceKey: keys.budgetSince,
      windowMs,
      lagMarginMs,
      maxLagMarginMs: config.HOSTAWAY_RATE_LAG_MARGIN_MAX_MS,
      pendingLeaseMs: lease,
      // instances waiting for the same slot ask at slightly different moments: each gets its turn
      jitterMs: Math.min(50, Math.max(5, Math.round(windowMs / 50))),
      random: Math.random,
      now,
      log: redis.log
    })
  }
  const limiter = createRateLimiter({ budget, now, cap, windowMs, maxQueue: config.LIMITER_MAX_QUEUE, weightOf: limiterWeightOf(config), telemetry })
  return { ...limiter, cap, windowMs }
}

export interface HostawaySeams {
  limiter: RateLimiter
  store: KeyValueStore<unknown>
  /** the token shared by several instances; absent: this instance's own */
  sharedToken?: TokenManagerDeps['shared']
}

/**
 * The shared seams of the upstream core: the rate limiter, the read cache's store and the token,
 * in this process, or in Redis for several instances (`redis`: REDIS_URL is set). With
 * HOSTAWAY_RATE_LAG_MARGIN_MAX_MS the budget widens its window by the event loop's recent lag
 * (`close` stops sampling it).
 */
export function seamsFromConfig ({ config, telemetry, log, redis }: { config: LimiterConfig & Pick<Config, 'HOSTAWAY_MAX_RETRIES'>, telemetry: Telemetry, log: FastifyBaseLogger, redis?: RedisConnection | null }): HostawaySeams & { close: () => void } {
  const windowMs = budgetWindowMs(config.HOSTAWAY_RATE_WINDOW_MS, config.HOSTAWAY_RATE_WINDOW_MARGIN_MS)
  const maxLagMs = config.HOSTAWAY_RATE_LAG_MARGIN_MAX_MS
  const loopLag = maxLagMs > 0 ? createLoopLag({ sampleMs: LOOP_LAG_SAMPLE_MS, keepMs: windowMs + maxLagMs, now: () => performance.now() }) : undefined
  const lagMarginMs = loopLag === undefined ? undefined : lagMargin((span) => loopLag.recentMaxMs(span), windowMs, maxLagMs)
  const close = () => loopLag?.close()
  if (redis === undefined || redis === null) return { limiter: limiterFromConfig(config, telemetry, { lagMarginMs }), store: createMemoryStore(), close }
  const keys = accountKeysOf(config)
  return {
    limiter: limiterFromConfig(config, telemetry, { lagMarginMs, redis: { connection: redis, log } }),
    store: createRedisStore({ connection: redis, keys, fenceMs: config.HOSTAWAY_TIMEOUT_MS + FENCE_MARGIN_MS, log }),
    sharedToken: {
      shared: createRedisTokens({ connection: redis, keys }),
      // a token request may take every attempt and a rate window; a lock held longer has been lost
      lockTtlMs: (config.HOSTAWAY_MAX_RETRIES + 1) * config.HOSTAWAY_TIMEOUT_MS + windowMs,
      pollMs: TOKEN_POLL_MS,
      random: Math.random
    },
    close
  }
}

/**
 * The composition root of the upstream path: every part built once from the config, each given
 * only what it calls. The limiter, the cache store and the token are the shared seams: in this
 * process, or in Redis for several instances (`seamsFromConfig`).
 */
export function createHostaway ({ config, log, telemetry, limiter, store, sharedToken }: { config: HostawayConfig, log: FastifyBaseLogger, telemetry: Telemetry } & HostawaySeams) {
  const clientId = config.HOSTAWAY_ACCOUNT_ID
  const clientSecret = config.HOSTAWAY_API_KEY
  if (clientId === undefined || clientSecret === undefined) {
    throw new Error('Hostaway client: HOSTAWAY_ACCOUNT_ID and HOSTAWAY_API_KEY are not set (start the sandbox or configure credentials before building the app)')
  }
  const http = createUpstreamHttp({ baseUrl: config.HOSTAWAY_BASE_URL, timeoutMs: config.HOSTAWAY_TIMEOUT_MS })
  const breaker = createBreaker({
    settings: {
      threshold: config.BREAKER_FAILURE_THRESHOLD,
      windowMs: config.BREAKER_WINDOW_MS,
      openMs: config.BREAKER_OPEN_MS,
      probeTimeoutMs: config.HOSTAWAY_TIMEOUT_MS
    },
    log,
    now: () => performance.now(),
    telemetry
  })
  const { run } = createAttemptRunner({
    http,
    limiter,
    breaker,
    policy: {
      timeoutMs: config.HOSTAWAY_TIMEOUT_MS,
      maxRetries: config.HOSTAWAY_MAX_RETRIES,
      retryBaseMs: config.HOSTAWAY_RETRY_BASE_MS,
      retryMaxDelayMs: RETRY_MAX_DELAY_MS,
      rateWindowMs: budgetWindowMs(config.HOSTAWAY_RATE_WINDOW_MS, config.HOSTAWAY_RATE_WINDOW_MARGIN_MS)
    },
    log,
    random: Math.random,
    telemetry
  })
  const tokens = createTokenManager({
    run, clientId, clientSecret, settleMs: config.HOSTAWAY_TOKEN_SETTLE_MS, credentialFailureBackoffMs: CREDENTIAL_FAILURE_BACKOFF_MS, log, now: Date.now, shared: sharedToken, telemetry
  })
  const executor = createCallExecutor({ run, tokens, breaker, clientSecret, maxDepth: config.JSON_MAX_DEPTH, log })
  const reads = createReadThrough({ store, ttlMs: config.CACHE_TTL_MS, negativeTtlMs: config.NEGATIVE_CACHE_TTL_MS, log, telemetry })
  const planner = {
    enabled: config.BATCH_PLANNER === 'on',
    concurrency: config.BATCH_CONCURRENCY,
    // the cost model's wall-time estimates: the slots free in this window, then `cap` per window
    budget: () => {
      const { cap, in_window: used, window_ms: windowMs } = limiter.stats()
      return { free: Math.max(0, cap - used), perWindow: cap, windowMs }
    }
  }
  const client = createHostawayClient({ executor, reads, planner, log, telemetry })
  telemetry.watch({ limiter: () => limiter.stats(), breaker: () => breaker.state() })

  /** Ends every pending call (as unprocessed / timeout / outcome_unknown), then frees sockets and caches. */
  async function close (): Promise<void> {
    executor.close()
    tokens.close()
    limiter.close()
    http.close()
    await reads.clear()
    log.debug({}, 'hostaway client closed')
  }

  return { client, limiter, breaker, close }
}
