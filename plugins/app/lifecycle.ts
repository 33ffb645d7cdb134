import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { errorBody } from '../../services/error-response.js'
import { createInFlight, type InFlightEntry } from '../../services/in-flight.js'

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * Aborts the request's pending upstream work (rate-limit waits, backoff sleeps, requests in
     * flight) when the client disconnects, when the request deadline passes (REQUEST_TIMEOUT_MS,
     * unless the route says `config: { requestTimeout: false }`) or when the shutdown grace period
     * ends. The abort reason's message says which.
     */
    readonly workSignal: AbortSignal
    /**
     * When `workSignal` aborts at the latest (ms on the `performance.now()` clock): the request
     * deadline, REQUEST_TIMEOUT_MS after the request started; undefined for routes with
     * `requestTimeout: false`. The rate limiter refuses upstream calls that could not start in time.
     */
    readonly workDeadline: number | undefined
  }
  interface FastifyContextConfig {
    /** false: the route ends its work by a deadline of its own (a batch's `timeout_ms`), not by REQUEST_TIMEOUT_MS */
    requestTimeout?: false
  }
}

/** Retry-After (s) of a request refused while the gateway shuts down: another instance can take it at once. */
const CLOSING_RETRY_AFTER_S = 1
/** After the grace period, how long the aborted requests get to send their responses (ms): a batch needs ABORT_GRACE_MS (1 s) at most. */
const SETTLE_MS = 2000

/**
 * The longest the drain can take (ms): SHUTDOWN_GRACE_MS for the requests in flight to finish,
 * then SETTLE_MS for the aborted ones to answer. The drain is a `preClose` hook, and Fastify bounds
 * each such hook by the server's `pluginTimeout`: app.ts sizes that bound from this one, so the
 * drain always ends by its own rule (an answer for every request), never by avvio's
 * ("Plugin did not start in time", no answer, exit 1: what a grace above ~8 s did under the
 * default bound of 10 s).
 */
export function drainBoundMs (config: { SHUTDOWN_GRACE_MS: number }): number {
  return config.SHUTDOWN_GRACE_MS + SETTLE_MS
}

/**
 * The request lifecycle: each request's `workSignal`, and a graceful close. When the app closes
 * (SIGTERM/SIGINT in server.ts, or `app.close()`), it first drains: new requests are answered 503
 * (`unprocessed`, Retry-After, Connection: close) while the requests in flight finish, for up to
 * SHUTDOWN_GRACE_MS; then their work is aborted ("the gateway is shutting down"), so a batch still
 * answers with every item (unstarted ones `unprocessed`, unanswered writes `outcome_unknown`); only
 * then does the server stop listening and the upstream client close. The drain is Fastify's
 * `preClose` hook, so every close drains the same way, SIGTERM or a test's `app.close()`; its
 * bound is `drainBoundMs` (see there for why avvio's timeout never cuts it short).
 */
export default fp(async (fastify) => {
  const { config } = fastify
  const inFlight = createInFlight({ now: () => performance.now() })
  const entries = new WeakMap<FastifyRequest, InFlightEntry>()
  let draining = false

  fastify.decorateRequest('workSignal', {
    getter (this: FastifyRequest) {
      const entry = entries.get(this)
      if (entry === undefined) return new AbortController().signal
      return entry.signal()
    }
  })

  fastify.decorateRequest('workDeadline', {
    getter (this: FastifyRequest) {
      return entries.get(this)?.deadline
    }
  })

  // callback style (no promise per request); a refusal is sent without calling done, which ends the request's hooks
  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    if (draining) {
      reply.code(503).header('retry-after', String(CLOSING_RETRY_AFTER_S)).header('connection', 'close')
      reply.send(errorBody(request, {
        status: 503,
        message: 'The gateway is shutting down: send the request again (another instance can take it)',
        errorType: 'unprocessed'
      }))
      return
    }
    const deadlineMs = request.routeOptions.config.requestTimeout === false ? undefined : config.REQUEST_TIMEOUT_MS
    const entry = inFlight.add(deadlineMs)
    entries.set(request, entry)
    reply.raw.once('close', () => {
      // the socket closed before the response was complete: the client went away
      inFlight.done(entry, !reply.raw.writableEnded)
    })
    done()
  })

  fastify.addHook('onSend', (_request, reply, payload, done) => {
    // while draining, no connection is kept for another request
    if (draining) reply.header('connection', 'close')
    done(null, payload)
  })

  fastify.addHook('preClose', async () => {
    draining = true
    if (inFlight.size() === 0) return
    fastify.log.info({ in_flight: inFlight.size(), grace_ms: config.SHUTDOWN_GRACE_MS }, 'draining: waiting for the requests in flight')
    if (await inFlight.idle(config.SHUTDOWN_GRACE_MS)) return
    fastify.log.warn({ in_flight: inFlight.size() }, 'shutdown grace period over: ending the requests in flight')
    inFlight.abortAll('the gateway is shutting down')
    if (!(await inFlight.idle(SETTLE_MS))) {
      fastify.log.error({ in_flight: inFlight.size() }, 'requests still running after the shutdown abort: closing their connections')
    }
  })
}, { name: 'lifecycle', dependencies: ['config', 'request-id'] })
