import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest } from 'fastify'
import underPressure, { type FastifyUnderPressureOptions } from '@fastify/under-pressure'
import type { AppOptions } from '../../app.js'
import type { ErrorResponse } from '../../schemas/common.js'
import { errorBody } from '../../services/error-response.js'

/**
 * What under-pressure does with its handler's result (index.js, handlePressure): undefined lets the
 * request through, any other value is sent as the answer before any other hook runs. Its types
 * only say `void`.
 */
type PressureHandler = (request: FastifyRequest, reply: FastifyReply, type: string, value: number | undefined) => ErrorResponse | undefined

/**
 * Routes that answer under pressure: liveness (a process under load is not dead; restarting it
 * would lose the work in flight) and the metrics that show the load. /ready does not: an instance
 * refusing work is not ready for more.
 */
const ALWAYS_ANSWERED = new Set(['/health', '/metrics'])
/** How often the event loop is measured (ms): the delay and utilization compared are those of the last interval. */
const SAMPLE_INTERVAL_MS = 1000
/** Retry-After (s) of a refusal: the next measurement may clear it; another instance can take the request at once. */
const RETRY_AFTER_S = 1
/** A refusal this long (ms) after the previous one starts a new episode, logged once (refusals themselves are cheap, unlogged). */
const EPISODE_GAP_MS = 5000
/**
 * Nothing is refused for this long after the app is ready (ms): the first measurements cover the
 * start's own work (loading plugins, compiling schemas: long synchronous stretches), which is not load.
 */
const START_GRACE_MS = 2 * SAMPLE_INTERVAL_MS

/**
 * Load shedding with @fastify/under-pressure: while the event loop is saturated (the mean
 * event-loop delay of the last second above PRESSURE_MAX_EVENT_LOOP_DELAY_MS, or its utilization
 * above PRESSURE_MAX_EVENT_LOOP_UTILIZATION), new requests are refused before any work: 503 in the
 * error schema, `unprocessed` (nothing was done: safe to resend), Retry-After. Work already running
 * goes on: its upstream requests go out when their rate-limit slots say (a slot counts from when its
 * request is written, services/hostaway/budget.ts), and fewer new requests let the loop catch up.
 * Nothing is refused in the first two measurements after the start (they cover the start's own
 * work). Both thresholds 0: the plugin only measures (`fastify.memoryUsage()`).
 *
 * @see {@link https://github.com/fastify/under-pressure}
 */
export default fp<AppOptions>(async (fastify, { config }) => {
  let lastRefusal = -Infinity
  let armedAt = Infinity
  fastify.addHook('onReady', async () => { armedAt = performance.now() + START_GRACE_MS })
  const refuse: PressureHandler = (request, reply, type, value) => {
    const now = performance.now()
    if (now < armedAt || ALWAYS_ANSWERED.has(request.routeOptions.url ?? '')) return undefined
    if (now - lastRefusal > EPISODE_GAP_MS) {
      request.log.warn({ pressure: type, value, ...fastify.memoryUsage() }, 'under pressure: refusing new requests (503) until the event loop recovers')
    }
    lastRefusal = now
    const measured = type === 'eventLoopUtilization'
      ? `event-loop utilization ${Number(value).toFixed(2)} over the limit ${config.PRESSURE_MAX_EVENT_LOOP_UTILIZATION}`
      : `mean event-loop delay ${Math.round(Number(value))} ms over the limit ${config.PRESSURE_MAX_EVENT_LOOP_DELAY_MS} ms`
    reply.code(503).header('retry-after', String(RETRY_AFTER_S)).header('x-request-id', request.id)
    return errorBody(request, {
      status: 503,
      message: `The gateway is overloaded (${measured}): nothing was done; send the request again after Retry-After`,
      errorType: 'unprocessed'
    })
  }
  await fastify.register(underPressure, {
    maxEventLoopDelay: config.PRESSURE_MAX_EVENT_LOOP_DELAY_MS,
    maxEventLoopUtilization: config.PRESSURE_MAX_EVENT_LOOP_UTILIZATION,
    // the last interval's utilization, not the average since the start
    eventLoopUtilizationMode: 'interval',
    sampleInterval: SAMPLE_INTERVAL_MS,
    pressureHandler: refuse as unknown as FastifyUnderPressureOptions['pressureHandler']
  })
}, { name: 'under-pressure' })
