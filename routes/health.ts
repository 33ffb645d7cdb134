import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AppOptions } from '../app.js'
import { HealthSchema, ReadySchema } from '../schemas/health.js'
import { Ref, errorResponses } from '../schemas/common.js'
import { GatewayError } from '../services/errors.js'
import { errorBody } from '../services/error-response.js'
import { publicUrl } from '../services/upstream.js'

/** Retry-After (s) of a failed readiness check that carries no hint of its own. */
const NOT_READY_RETRY_AFTER_S = 5

const health: FastifyPluginAsyncTypebox<Partial<AppOptions>> = async (fastify, opts) => {
  const { hostaway, config, redis } = fastify
  const upstream = opts.upstream ?? 'hostaway'
  const upstreamUrl = publicUrl(config.HOSTAWAY_BASE_URL)

  fastify.get('/health', {
    schema: {
      operationId: 'getHealth',
      summary: 'Liveness: the process is up',
      description: 'Always 200 while the process serves requests, with the upstream kind (sandbox or hostaway); no key needed, for load balancers and orchestrators.',
      tags: ['health'],
      response: { 200: Ref(HealthSchema), ...errorResponses(431) }
    }
  }, async () => ({ status: 'ok' as const, uptime_s: Math.round(process.uptime()), upstream, jobs: fastify.jobs.kind }))

  fastify.get('/ready', {
    schema: {
      operationId: 'getReady',
      summary: 'Readiness: Redis answers (when REDIS_URL is set), an upstream token can be obtained and the circuit breaker is not open',
      description: 'A load balancer sends traffic to an instance only while this is 200; 503 with Retry-After and the reason otherwise. No key needed.',
      tags: ['health'],
      response: { 200: Ref(ReadySchema), ...errorResponses(431, 503) }
    }
  }, async (request, reply) => {
    try {
      // without the shared budget nothing can be sent: another instance should take the traffic
      await redis?.check()
      await hostaway.checkReady({ signal: AbortSignal.timeout(Math.min(config.HOSTAWAY_TIMEOUT_MS, 5000) + config.HOSTAWAY_TOKEN_SETTLE_MS) })
      return { status: 'ready' as const, upstream, upstream_url: upstreamUrl }
    } catch (err) {
      const reason = err instanceof GatewayError ? err.message : 'upstream check failed'
      const errorType = err instanceof GatewayError ? err.error_type : 'internal_error'
      const hintMs = err instanceof GatewayError ? err.retry_after_ms : null
      const retryAfterS = hintMs === null ? NOT_READY_RETRY_AFTER_S : Math.max(1, Math.ceil(hintMs / 1000))
      request.log.warn({ err }, 'readiness check failed')
      return reply.code(503).header('retry-after', String(retryAfterS)).send(errorBody(request, { status: 503, message: `Not ready: ${reason}`, errorType }))
    }
  })
}

export default health
