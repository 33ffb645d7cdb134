import fp from 'fastify-plugin'
import { createPromTelemetry } from '../../services/metrics.js'
import type { Telemetry } from '../../services/telemetry.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** What the services report for metrics (services/telemetry.ts), recorded in `metricsRegistry`. */
    telemetry: Telemetry
  }
}

/** The app's Telemetry, implemented with prom-client on its own registry; the composition roots hand it to the services. */
export default fp(async (fastify) => {
  fastify.decorate('telemetry', createPromTelemetry(fastify.metricsRegistry))
}, { name: 'telemetry', dependencies: ['metrics'] })
