import fp from 'fastify-plugin'
import type { HostawayClient } from '../../services/hostaway/client.js'
import { createHostaway, seamsFromConfig } from '../../services/compose.js'
import redisPlugin from './redis.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The one upstream client: endpoints → read-through cache → caller (token) → attempt loop (breaker, limiter, retries) → got. */
    hostaway: HostawayClient
  }
}

/**
 * Decorates `fastify.hostaway` with the upstream core built from `fastify.config`
 * (services/hostaway/compose.ts), closed with the app. Its seams are in memory, or in Redis when
 * REDIS_URL is set (`fastify.redis`).
 */
export default fp(async (fastify) => {
  await fastify.register(redisPlugin)
  const { config, redis, telemetry } = fastify
  const log = fastify.log.child({ component: 'hostaway' })
  const seams = seamsFromConfig({ config, telemetry, log, redis })
  const hostaway = createHostaway({ config, log, telemetry, ...seams })
  fastify.decorate('hostaway', hostaway.client)
  fastify.addHook('onClose', async () => {
    await hostaway.close()
    seams.close()
  })
}, { name: 'hostaway', dependencies: ['config', 'telemetry'] })
