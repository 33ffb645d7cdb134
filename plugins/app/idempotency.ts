import fp from 'fastify-plugin'
import { createMemoryIdempotencyStore } from '../../services/idempotency.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Idempotency-Key results of batch writes (in memory). */
    idempotency: ReturnType<typeof createMemoryIdempotencyStore>
  }
}

export default fp(async (fastify) => {
  const store = createMemoryIdempotencyStore()
  fastify.decorate('idempotency', store)
  fastify.addHook('onClose', store.close)
}, { name: 'idempotency' })
