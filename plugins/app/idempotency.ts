import fp from 'fastify-plugin'
import { createMemoryIdempotencyStore, observedClaims, type IdempotencyStore } from '../../services/idempotency.js'
import { accountKeysOf } from '../../services/redis/keys.js'
import { createRedisIdempotencyStore } from '../../services/redis/idempotency.js'
import redisPlugin from './redis.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Idempotency-Key results of batch writes: in memory, or in Redis (REDIS_URL) for every instance. */
    idempotency: IdempotencyStore
  }
}

/**
 * How long a claim holds while its request runs (ms): longer than any batch runs (timeout_ms is at
 * most 300 000, plus the shutdown grace); a claim left by an instance that died expires then.
 */
const CLAIM_LEASE_MS = 600_000

export default fp(async (fastify) => {
  await fastify.register(redisPlugin)
  const { config, redis } = fastify
  const store = redis === null
    ? createMemoryIdempotencyStore()
    : createRedisIdempotencyStore({
      connection: redis,
      keys: accountKeysOf(config),
      leaseMs: CLAIM_LEASE_MS,
      log: fastify.log.child({ component: 'idempotency' })
    })
  // claims are reported: replays, 409s, 422s
  fastify.decorate('idempotency', observedClaims(store, fastify.telemetry))
  fastify.addHook('onClose', () => store.close())
}, { name: 'idempotency', dependencies: ['config', 'telemetry'] })
