import formbody from '@fastify/formbody'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { SandboxError, failBody } from './errors.js'
import { gate, isV1, routeKey } from './gate.js'
import adminRoutes from './routes/admin.js'
import authRoutes from './routes/auth.js'
import conversationRoutes from './routes/conversations.js'
import listingRoutes from './routes/listings.js'
import reservationRoutes from './routes/reservations.js'
import { createSandboxState, type SandboxState } from './state.js'
import type { SandboxOptions } from './types.js'
import { sandboxSerializerCompiler, sandboxValidatorCompiler } from './validator.js'

export interface SandboxPluginOptions extends Partial<SandboxOptions> {
  /** State shared with the caller (startSandbox keeps it for its helpers); created from the options otherwise. */
  state?: SandboxState
}

/**
 * The Hostaway Public API v1 simulator as an encapsulated Fastify plugin: /v1 routes with Hostaway's
 * wire format, rate limits and fault injection, plus the /__sandbox admin routes. Mount it anywhere
 * (`app.register(sandboxApp, { prefix, seed, … })`); startSandbox (index.ts) serves it on its own port.
 */
export default async function sandboxApp (fastify: FastifyInstance, opts: SandboxPluginOptions): Promise<void> {
  // Fastify's own register options are not sandbox options.
  const { state: given, prefix: _prefix, logLevel: _logLevel, logSerializers: _logSerializers, ...options } = opts as SandboxPluginOptions & Record<'prefix' | 'logLevel' | 'logSerializers', unknown>
  const state = given ?? createSandboxState(options)

  await fastify.register(formbody)
  fastify.setValidatorCompiler(sandboxValidatorCompiler)
  fastify.setSerializerCompiler(sandboxSerializerCompiler)
  fastify.setErrorHandler(errorHandler)
  fastify.setNotFoundHandler(async (request, reply) => {
    reply.code(404)
    return failBody(`Route ${request.method} ${request.url.split('?')[0]} not found`)
  })

  const prefix = fastify.prefix
  fastify.addHook('onRequest', async (request) => {
    if (isV1(request, prefix)) state.stats.request(routeKey(request, prefix))
  })
  fastify.addHook('preValidation', gate(state, prefix))
  fastify.addHook('onResponse', async (request, reply) => {
    request.log.debug({ statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) }, `${request.method} ${request.url}`)
  })
  // Before the server stops accepting: end pending latency waits and destroy hanging sockets.
  fastify.addHook('preClose', async () => state.close())

  await fastify.register(authRoutes, { prefix: '/v1', state })
  await fastify.register(listingRoutes, { prefix: '/v1', state })
  await fastify.register(reservationRoutes, { prefix: '/v1', state })
  await fastify.register(conversationRoutes, { prefix: '/v1', state })
  await fastify.register(adminRoutes, { prefix: '/__sandbox', state })
}

function errorHandler (error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof SandboxError) {
    reply.code(error.statusCode)
    return failBody(error.message)
  }
  if (error.validation !== undefined) {
    reply.code(400)
    return failBody(error.message)
  }
  const status = error.statusCode ?? 500
  if (status >= 500) {
    request.log.error({ err: error }, 'sandbox: unexpected error')
    reply.code(500)
    return failBody('Internal Server Error')
  }
  reply.code(status)
  return failBody(error.message)
}
