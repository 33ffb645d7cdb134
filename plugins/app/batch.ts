import fp from 'fastify-plugin'
import { createBatchRunner } from '../../services/batch.js'
import {
  BatchListingUpdateBodySchema,
  BatchLookupBodySchema,
  PartialFailureResponseBookingSchema,
  PartialFailureResponseListingSchema
} from '../../schemas/batch.js'
import { secretsOf } from '../../services/logger.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** executeBatch with the configured concurrency, default deadline (BATCH_TIMEOUT_MS) and secrets. */
    runBatch: ReturnType<typeof createBatchRunner>
  }
}

export default fp(async (fastify) => {
  const { config } = fastify

  // Named components: the batch bodies (their size limit comes from BATCH_MAX_ITEMS) and responses.
  fastify.addSchema(BatchLookupBodySchema(config.BATCH_MAX_ITEMS))
  fastify.addSchema(BatchListingUpdateBodySchema(config.BATCH_MAX_ITEMS))
  fastify.addSchema(PartialFailureResponseListingSchema)
  fastify.addSchema(PartialFailureResponseBookingSchema)

  fastify.decorate('runBatch', createBatchRunner({
    concurrency: config.BATCH_CONCURRENCY,
    timeoutMs: config.BATCH_TIMEOUT_MS,
    secrets: secretsOf(config)
  }))
}, { name: 'batch', dependencies: ['config', 'schemas'] })
