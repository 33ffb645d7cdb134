import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses } from '../schemas/common.js'
import { API_KEY_OR_BEARER } from '../services/auth.js'

const EXAMPLE = '# HELP hostaway_batch_items_total Items of batches that ran (replays excluded), by operation and error_type (none: success)\n' +
  '# TYPE hostaway_batch_items_total counter\n' +
  'hostaway_batch_items_total{operation="batchGetListings",error_type="none"} 3\n' +
  'hostaway_batch_items_total{operation="batchGetListings",error_type="not_found"} 1\n'

/**
 * GET /metrics: this instance's metrics in the Prometheus text format (README, "Metrics"). When
 * API_KEYS is set it needs a key with the `metrics` scope, as X-API-Key or `Authorization: Bearer`
 * (what Prometheus' scrape configuration sends): a scraper gets no access to data, and a data key
 * without the scope gets 403.
 */
const metricsRoute: FastifyPluginAsyncTypebox = async (fastify) => {
  const registry = fastify.metricsRegistry

  fastify.get('/metrics', {
    config: { scope: 'metrics' },
    onRequest: async (request) => {
      fastify.authenticate(request, API_KEY_OR_BEARER, request.routeOptions.config.scope)
    },
    schema: {
      operationId: 'getMetrics',
      summary: 'Prometheus metrics of this instance (text format 0.0.4)',
      description: 'HTTP requests, upstream calls, rate limiter, token, cache, planner, batch items, circuit breaker, idempotency and Redis ' +
        '(README "Metrics" lists every metric). Scrape each instance: the values are per instance.',
      tags: ['health'],
      response: {
        200: {
          description: 'The metrics, in the Prometheus text exposition format',
          content: { 'text/plain': { schema: { type: 'string', example: EXAMPLE } } }
        },
        ...errorResponses(401, 403)
      }
    }
  }, async function getMetrics (_request, reply) {
    reply.type(registry.contentType)
    return await registry.metrics()
  })
}

export default metricsRoute
