import fp from 'fastify-plugin'
import { createBatchRunner } from '../../services/batch/run.js'
import { secretsOf } from '../../services/logger.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** executeBatch (services/batch/run.ts) with the configured concurrency, default deadline (BATCH_TIMEOUT_MS) and secrets. */
    runBatch: ReturnType<typeof createBatchRunner>
  }
}

export default fp(async (fastify) => {
  const { config } = fastify
  fastify.decorate('runBatch', createBatchRunner({
    concurrency: config.BATCH_CONCURRENCY,
    timeoutMs: config.BATCH_TIMEOUT_MS,
    secrets: secretsOf(config)
  }))
}, { name: 'batch', dependencies: ['config'] })
