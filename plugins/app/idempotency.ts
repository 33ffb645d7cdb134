import fp from 'fastify-plugin'
import { MAX_BATCH_TIMEOUT_MS } from '../../schemas/batch.js'
import { createMemoryIdempotencyStore, observedClaims, type IdempotencyStore } from '../../services/idempotency.js'
import { accountKeysOf } from '../../services/redis/keys.js'
import { createRedisIdempotencyStore } from '../../services/redis/idempotency.js'
import type { Config } from '../../schemas/config.js'
import type { Telemetry } from '../../services/telemetry.js'
import redisPlugin from './redis.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Idempotency-Key results of batch writes: in memory, or in Redis (REDIS_URL) for every instance. */
    idempotency: IdempotencyStore
  }
}

/**
 * How long a claim holds while its request runs (ms): longer than any batch runs (its deadline,
 * `timeout_ms` or BATCH_TIMEOUT_MS, plus the shutdown grace), 10 minutes at least; a claim left by
 * an instance that died expires then.
 */
function claimLeaseMs (config: { BATCH_TIMEOUT_MS: number, SHUTDOWN_GRACE_MS: number }): number {
  return Math.max(600_000, Math.max(MAX_BATCH_TIMEOUT_MS, config.BATCH_TIMEOUT_MS) + config.SHUTDOWN_GRACE_MS + 60_000)
}

/** The store of one instance: bounded (BATCH_IDEMPOTENCY_MAX_ENTRIES, _MAX_BYTES), its size and evictions in /metrics. */
function memoryStore (config: Pick<Config, 'BATCH_IDEMPOTENCY_MAX_ENTRIES' | 'BATCH_IDEMPOTENCY_MAX_BYTES'>, telemetry: Telemetry): IdempotencyStore {
  const store = createMemoryIdempotencyStore({
    maxEntries: config.BATCH_IDEMPOTENCY_MAX_ENTRIES,
    maxBytes: config.BATCH_IDEMPOTENCY_MAX_BYTES,
    onEvict: () => telemetry.idempotencyEvicted()
  })
  telemetry.watch({ idempotencyStore: store.stats })
  return store
}

export default fp(async (fastify) => {
  await fastify.register(redisPlugin)
  const { config, redis, telemetry } = fastify
  const store = redis === null
    ? memoryStore(config, telemetry)
    : createRedisIdempotencyStore({
      connection: redis,
      keys: accountKeysOf(config),
      leaseMs: claimLeaseMs(config),
      log: fastify.log.child({ component: 'idempotency' })
    })
  // claims are reported: replays, 409s, 422s
  fastify.decorate('idempotency', observedClaims(store, fastify.telemetry))
  fastify.addHook('onClose', () => store.close())
}, { name: 'idempotency', dependencies: ['config', 'telemetry'] })
