import fp from 'fastify-plugin'
import { createOperations } from '../../services/operations.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Every operation of the gateway, as REST routes and MCP tools call them. */
    operations: ReturnType<typeof createOperations>
  }
}

export default fp(async (fastify) => {
  fastify.decorate('operations', createOperations({
    hostaway: fastify.hostaway,
    runBatch: fastify.runBatch,
    idempotency: fastify.idempotency,
    idempotencyTtlMs: fastify.config.BATCH_IDEMPOTENCY_TTL_MS,
    telemetry: fastify.telemetry,
    audit: fastify.audit
  }))
}, { name: 'operations', dependencies: ['config', 'hostaway', 'batch', 'idempotency', 'telemetry', 'audit'] })
