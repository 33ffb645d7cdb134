import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { HealthSchema, ReadySchema } from '../schemas/health.js'
import { Ref, errorResponses } from '../schemas/common.js'
import { HostawayError } from '../services/errors.js'
import { errorBody } from '../services/error-response.js'

const health: FastifyPluginAsyncTypebox = async (fastify) => {
  const { hostaway, config } = fastify

  fastify.get('/health', {
    schema: {
      operationId: 'getHealth',
      summary: 'Liveness: the process is up',
      tags: ['health'],
      response: { 200: Ref(HealthSchema) }
    }
  }, async () => ({ status: 'ok' as const, uptime_s: Math.round(process.uptime()) }))

  fastify.get('/ready', {
    schema: {
      operationId: 'getReady',
      summary: 'Readiness: an upstream token can be obtained',
      tags: ['health'],
      response: { 200: Ref(ReadySchema), ...errorResponses(503) }
    }
  }, async (request, reply) => {
    try {
      await hostaway.checkReady({ signal: AbortSignal.timeout(Math.min(config.HOSTAWAY_TIMEOUT_MS, 5000) + config.HOSTAWAY_TOKEN_SETTLE_MS) })
      return { status: 'ready' as const, upstream: config.HOSTAWAY_BASE_URL }
    } catch (err) {
      const reason = err instanceof HostawayError ? err.message : 'upstream check failed'
      const errorType = err instanceof HostawayError ? err.error_type : 'internal_error'
      request.log.warn({ err }, 'readiness check failed')
      return reply.code(503).header('retry-after', '5').send(errorBody(request, { status: 503, message: `Not ready: ${reason}`, errorType }))
    }
  })
}

export default health
