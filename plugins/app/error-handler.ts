import fp from 'fastify-plugin'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { GatewayError } from '../../services/errors.js'
import { errorBody, mapError } from '../../services/error-response.js'
import { allowedMethods } from '../../services/allowed-methods.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route (a static path) exists only to refuse its method with a 405 that says why (e.g. GET
     * /mcp): the `Allow` header of a 405 leaves its method out.
     */
    refusesMethod?: true
  }
}

/** A 503 rate_limit of the gateway's own rate limiter: nothing was sent upstream. */
function refusedByLimiter (error: unknown): boolean {
  return error instanceof GatewayError && error.error_type === 'rate_limit' && error.attempts === 0 && error.status_code === null
}

/**
 * The central error handler: every error becomes the documented ErrorResponse (mapping in
 * services/error-response.ts), an onError hook logs it with request context, and unknown routes
 * are 404 with the same body — or 405 with `Allow` when the path exists with other methods. A 5xx
 * never carries a stack, a token or an upstream message.
 */
export default fp(async (fastify) => {
  // the methods that routes added after this plugin (those of routes/) take only to refuse them
  const refused = new Map<string, Set<string>>()
  fastify.addHook('onRoute', (route) => {
    if (route.config?.refusesMethod !== true) return
    const methods = refused.get(route.url) ?? new Set<string>()
    for (const method of [route.method].flat()) methods.add(method.toUpperCase())
    refused.set(route.url, methods)
  })

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

  fastify.setErrorHandler(function errorHandler (error: FastifyError | GatewayError | Error, request: FastifyRequest, reply: FastifyReply) {
    const mapped = mapError(error)
    // also when the error came from a hook that ran before the request-id one
    reply.header('x-request-id', request.id)
    if (mapped.retryAfterS !== undefined) reply.header('retry-after', String(mapped.retryAfterS))
    return reply.code(mapped.status).send(errorBody(request, mapped))
  })

  fastify.setNotFoundHandler(function notFound (request, reply) {
    const path = request.url.split('?')[0]
    const allowed = allowedMethods(fastify, path, refused)
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '))
      return reply.code(405).send(errorBody(request, { status: 405, message: `${request.method} is not allowed on ${path}: it takes ${allowed.join(', ')}`, errorType: 'method_not_allowed' }))
    }
    return reply.code(404).send(errorBody(request, { status: 404, message: `Route ${request.method} ${path} not found`, errorType: 'not_found' }))
  })
}, { name: 'error-handler' })
