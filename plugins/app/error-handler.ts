import fp from 'fastify-plugin'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { HostawayError } from '../../services/errors.js'
import { errorBody, mapError } from '../../services/error-response.js'

/** A 503 rate_limit of the gateway's own rate limiter: nothing was sent upstream. */
function refusedByLimiter (error: unknown): boolean {
  return error instanceof HostawayError && error.error_type === 'rate_limit' && error.attempts === 0 && error.status_code === null
}

/**
 * The central error handler: every error becomes the documented ErrorResponse (mapping in
 * services/error-response.ts), an onError hook logs it with request context, and unknown routes
 * are 404 with the same body. A 5xx never carries a stack, a token or an upstream message.
 */
export default fp(async (fastify) => {
  fastify.addHook('onError', async (request, _reply, error) => {
    const { status } = mapError(error)
    const entry = {
      method: request.method,
      path: request.url.split('?')[0],
      route: request.routeOptions.url,
      error_class: error.constructor?.name ?? 'Error',
      status,
      request_id: request.id,
      err: error
    }
    // a call the rate limiter refused (its turn would come too late, or the queue is full) is an
    // answer under load, not a failure: under overload there are many, and they must stay cheap
    if (status >= 500 && !refusedByLimiter(error)) request.log.error(entry, 'request failed')
    else request.log.info(entry, 'request rejected')
  })

  fastify.setErrorHandler(function errorHandler (error: FastifyError | HostawayError | Error, request: FastifyRequest, reply: FastifyReply) {
    const mapped = mapError(error)
    // also when the error came from a hook that ran before the request-id one
    reply.header('x-request-id', request.id)
    if (mapped.retryAfterS !== undefined) reply.header('retry-after', String(mapped.retryAfterS))
    return reply.code(mapped.status).send(errorBody(request, mapped))
  })

  fastify.setNotFoundHandler(function notFound (request, reply) {
    return reply.code(404).send(errorBody(request, { status: 404, message: `Route ${request.method} ${request.url.split('?')[0]} not found`, errorType: 'not_found' }))
  })
}, { name: 'error-handler' })
