import fp from 'fastify-plugin'
import { createMemoryIdempotencyStore, type IdempotencyStore } from '../../services/idempotency.js'
import { executeBatch, type BatchOptions, type Operation } from '../../services/batch.js'
import type { PartialFailureResponse } from '../../schemas/batch.js'
import { secretsOf } from '../../services/logger.js'

type RunBatch = <T>(operations: ReadonlyArray<Operation<T>>, operationIds: ReadonlyArray<string | number>, options?: BatchOptions) => Promise<PartialFailureResponse<T>>

declare module 'fastify' {
  interface FastifyInstance {
    /** Idempotency-Key store of batch writes (in memory; Redis-ready interface). */
    idempotency: IdempotencyStore
    /** executeBatch with the configured concurrency, deadline, logger and secrets. */
    runBatch: RunBatch
  }
}

export default fp(async (fastify) => {
  const { config } = fastify
  const store = createMemoryIdempotencyStore()
  const secrets = secretsOf(config)
  const log = fastify.log.child({ component: 'batch' })

  fastify.decorate('idempotency', store)
  fastify.decorate('runBatch', function runBatch (operations, operationIds, options = {}) {
    return executeBatch(operations, operationIds, {
      concurrency: config.BATCH_CONCURRENCY,
      timeoutMs: config.BATCH_TIMEOUT_MS,
      logger: log,
      secrets,
      ...options
    })
  } as RunBatch)
  fastify.addHook('onClose', async () => { await store.close() })
}, { name: 'batch', dependencies: ['config'] })
