import fp from 'fastify-plugin'
import type { FastifyBaseLogger } from 'fastify'
import type { Config } from '../../schemas/config.js'
import { limiterWeightOf } from '../../services/config.js'
import { createAttemptRunner } from '../../services/hostaway/attempt.js'
import { createBreaker } from '../../services/hostaway/breaker.js'
import { budgetWindowMs, lagMargin, pendingLeaseMs } from '../../services/hostaway/budget.js'
import { createMemoryStore } from '../../services/hostaway/cache.js'
import { createCaller } from '../../services/hostaway/caller.js'
import { createHostawayClient, type HostawayClient } from '../../services/hostaway/client.js'
import { createUpstreamHttp } from '../../services/hostaway/http.js'
import { createMemoryRateLimiter } from '../../services/hostaway/limiter.js'
import { createReadThrough } from '../../services/hostaway/read-through.js'
import { createTokenManager, type TokenManagerDeps } from '../../services/hostaway/token.js'
import type { KeyValueStore, RateLimiter } from '../../services/hostaway/types.js'
import { createLoopLag } from '../../services/loop-lag.js'
import { createRedisSeams } from '../../services/redis/seams.js'
import type { Telemetry } from '../../services/telemetry.js'
import redisPlugin from './redis.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The one upstream client: endpoints → read-through cache → caller (token) → attempt loop (breaker, limiter, retries) → got. */
    hostaway: HostawayClient
  }
}

/** Cap of one backoff wait (ms). */
const RETRY_MAX_DELAY_MS = 5000
/** How long rejected Hostaway credentials fail fast before they are tried again (ms). */
const CREDENTIAL_FAILURE_BACKOFF_MS = 5000

export type HostawayConfig = Pick<Config,
  'HOSTAWAY_BASE_URL' | 'HOSTAWAY_ACCOUNT_ID' | 'HOSTAWAY_API_KEY' | 'HOSTAWAY_RATE_LIMIT_IP' | 'HOSTAWAY_RATE_LIMIT_ACCOUNT' |
  'HOSTAWAY_RATE_WINDOW_MS' | 'HOSTAWAY_RATE_SAFETY_MARGIN' | 'HOSTAWAY_RATE_WINDOW_MARGIN_MS' | 'HOSTAWAY_RATE_LAG_MARGIN_MAX_MS' | 'HOSTAWAY_TIMEOUT_MS' |
  'HOSTAWAY_MAX_RETRIES' | 'HOSTAWAY_RETRY_BASE_MS' | 'HOSTAWAY_TOKEN_SETTLE_MS' | 'CACHE_TTL_MS' | 'NEGATIVE_CACHE_TTL_MS' |
  'BATCH_PLANNER' | 'BATCH_CONCURRENCY' | 'BREAKER_FAILURE_THRESHOLD' | 'BREAKER_WINDOW_MS' | 'BREAKER_OPEN_MS' | 'HOSTAWAY_EGRESS_ID' |
  'LIMITER_MAX_QUEUE' | 'LIMITER_WEIGHTS' | 'JSON_MAX_DEPTH'>

/** How often the event loop's longest delay is sampled for the lag margin (ms). */
const LOOP_LAG_SAMPLE_MS = 500

/**
 * The in-memory rate limiter of one instance: both Hostaway budgets, with the configured margins
 * (`lagMarginMs`: the one that follows the event loop's lag); the queue's bound and weights.
 */
export function memoryLimiter (config: HostawayConfig, telemetry: Telemetry, lagMarginMs?: () => number): RateLimiter {
  return createMemoryRateLimiter({
    limits: [
      { name: 'ip', max: config.HOSTAWAY_RATE_LIMIT_IP },
      { name: 'account', max: config.HOSTAWAY_RATE_LIMIT_ACCOUNT }
    ],
    windowMs: config.HOSTAWAY_RATE_WINDOW_MS,
    safetyMargin: config.HOSTAWAY_RATE_SAFETY_MARGIN,
    windowMarginMs: config.HOSTAWAY_RATE_WINDOW_MARGIN_MS,
    lagMarginMs,
    pendingLeaseMs: pendingLeaseMs(config.HOSTAWAY_TIMEOUT_MS, budgetWindowMs(config.HOSTAWAY_RATE_WINDOW_MS, config.HOSTAWAY_RATE_WINDOW_MARGIN_MS)),
    maxQueue: config.LIMITER_MAX_QUEUE,
    weightOf: limiterWeightOf(config),
    telemetry
  })
}

export interface HostawaySeams {
  limiter: RateLimiter
  store: KeyValueStore<unknown>
  /** the token shared by several instances; absent: this instance's own */
  sharedToken?: TokenManagerDeps['shared']
}

/**
 * The composition root of the upstream path: every part built once from the config, each given
 * only what it calls. The limiter, the cache store and the token are the shared seams: in this
 * process, or in Redis for several instances (services/redis/seams.ts).
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
  const caller = createCaller({ run, tokens, breaker, clientSecret, maxDepth: config.JSON_MAX_DEPTH, log })
  const reads = createReadThrough({ store, ttlMs: config.CACHE_TTL_MS, negativeTtlMs: config.NEGATIVE_CACHE_TTL_MS, log, telemetry })
  const planner = { enabled: config.BATCH_PLANNER === 'on' }
  const client = createHostawayClient({ caller, reads, planner, log, telemetry })
  telemetry.watch({ limiter: () => limiter.stats(), breaker: () => breaker.state() })

  /** Ends every pending call (as unprocessed / timeout / outcome_unknown), then frees sockets and caches. */
  async function close (): Promise<void> {
    caller.close()
    tokens.close()
    limiter.close()
    http.close()
    await reads.clear()
    log.debug({}, 'hostaway client closed')
  }

  return { client, limiter, breaker, close }
}

/**
 * Builds the upstream client from `fastify.config`, decorates `fastify.hostaway`, closes it with
 * the app. Its seams are in memory, or in Redis when REDIS_URL is set (`fastify.redis`).
 */
export default fp(async (fastify) => {
  await fastify.register(redisPlugin)
  const { config, redis, telemetry } = fastify
  const log = fastify.log.child({ component: 'hostaway' })
  const windowMs = budgetWindowMs(config.HOSTAWAY_RATE_WINDOW_MS, config.HOSTAWAY_RATE_WINDOW_MARGIN_MS)
  const maxLagMs = config.HOSTAWAY_RATE_LAG_MARGIN_MAX_MS
  const loopLag = maxLagMs > 0 ? createLoopLag({ sampleMs: LOOP_LAG_SAMPLE_MS, keepMs: windowMs + maxLagMs, now: () => performance.now() }) : undefined
  const lagMarginMs = loopLag === undefined ? undefined : lagMargin((span) => loopLag.recentMaxMs(span), windowMs, maxLagMs)
  const seams: HostawaySeams = redis === null
    ? { limiter: memoryLimiter(config, telemetry, lagMarginMs), store: createMemoryStore() }
    : createRedisSeams({ connection: redis, config, log, telemetry, lagMarginMs })
  const hostaway = createHostaway({ config, log, telemetry, ...seams })
  fastify.decorate('hostaway', hostaway.client)
  fastify.addHook('onClose', async () => {
    await hostaway.close()
    loopLag?.close()
  })
}, { name: 'hostaway', dependencies: ['config', 'telemetry'] })
