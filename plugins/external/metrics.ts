import fp from 'fastify-plugin'
import metricsPlugin from 'fastify-metrics'
import { Registry } from 'prom-client'
import { LONG_BUCKETS } from '../../services/metrics.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** This app's Prometheus registry (never prom-client's global one): served by GET /metrics (routes/metrics.ts). */
    metricsRegistry: Registry
  }
}

/**
 * HTTP metrics with fastify-metrics, on a registry of this app's own: the request duration
 * histogram by method, route (the route's URL template, `__unknown__` for unknown routes, never a
 * path with ids) and status code, with buckets up to 120 s (batches wait for the rate budget);
 * no summary; Node.js process metrics. Its own endpoint is off: routes/metrics.ts serves /metrics
 * behind the API-key check.
 *
 * @see {@link https://github.com/SkeLLLa/fastify-metrics}
 */
export default fp(async (fastify) => {
  const registry = new Registry()
  await fastify.register(metricsPlugin.default, {
    endpoint: null,
    name: 'httpMetrics',
    defaultMetrics: { enabled: true, register: registry },
    routeMetrics: {
      enabled: { histogram: true, summary: false },
      registeredRoutesOnly: false,
      overrides: {
        histogram: { name: 'http_request_duration_seconds', help: 'Duration of HTTP requests by method, route template and status code', buckets: LONG_BUCKETS, registers: [registry] },
        // the summary is switched off, but fastify-metrics still builds it: on no registry
        summary: { registers: [] }
      }
    }
  })
  fastify.decorate('metricsRegistry', registry)
}, { name: 'metrics' })
