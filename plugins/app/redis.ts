import fp from 'fastify-plugin'
import type { RedisConnection } from '../../services/redis/connection-api.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The Redis connection shared by the stores of several instances; null when REDIS_URL is unset (everything in memory). */
    redis: RedisConnection | null
  }
}

/**
 * Connects to REDIS_URL, waiting at most REDIS_TIMEOUT_MS: a Redis not reachable yet does not stop
 * the start (requests that need it answer 503 and /ready says why until it is), and a lost
 * connection is retried in the background. Closed with the app. The plugins that use it register
 * it themselves (so each also works alone, e.g. on a bare Fastify in a test); it runs once.
 */
export default fp(async (fastify) => {
  if (fastify.hasDecorator('redis')) return
  const { REDIS_URL: url, REDIS_TIMEOUT_MS: timeoutMs } = fastify.config
  if (url === undefined) {
    fastify.decorate('redis', null)
    return
  }
  // imported here: without REDIS_URL the Redis client (~18 MB of memory) is never loaded
  const { createRedisConnection } = await import('../../services/redis/connection.js')
  const connection = createRedisConnection({ url, timeoutMs, log: fastify.log.child({ component: 'redis' }), telemetry: fastify.telemetry })
  fastify.telemetry.watch({ redisUp: () => connection.available() })
  await connection.start()
  fastify.decorate('redis', connection)
  fastify.addHook('onClose', () => connection.close())
}, { name: 'redis', dependencies: ['config', 'telemetry'] })
