import formbody from '@fastify/formbody'
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import fp from 'fastify-plugin'
import { SandboxError, failBody } from './errors.js'
import { gate, isV1, routeKey } from './gate.js'
import adminRoutes from './routes/admin.js'
import authRoutes from './routes/auth.js'
import conversationRoutes from './routes/conversations.js'
import listingRoutes from './routes/listings.js'
import reservationRoutes from './routes/reservations.js'
import { createSandboxState, type SandboxState } from './state.js'
import type { SandboxLogger, SandboxOptions } from './types.js'

export interface SandboxPluginOptions extends Partial<SandboxOptions> {
  /** Share state with the caller (used by buildSandbox/startSandbox); created from the options otherwise. */
  state?: SandboxState
}

/**
 * The Hostaway Public API v1 simulator as a Fastify plugin: /v1 routes with Hostaway's wire format,
 * rate limits and fault injection, plus the /__sandbox admin routes.
 */
export default async function sandboxApp (fastify: FastifyInstance, opts: SandboxPluginOptions): Promise<void> {
  // Fastify's own register options are not sandbox options.
  const { state: given, prefix: _prefix, logLevel: _logLevel, logSerializers: _logSerializers, ...options } = opts as SandboxPluginOptions & Record<'prefix' | 'logLevel' | 'logSerializers', unknown>
  const state = given ?? createSandboxState(options)

  await fastify.register(formbody)
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

function loggerOptions (logger: SandboxLogger): Pick<FastifyServerOptions, 'logger' | 'loggerInstance'> {
  if (logger === false) return { logger: false }
  if (logger === true) return { logger: { level: 'info' } }
  if (typeof logger === 'string') return { logger: { level: logger } }
  return { loggerInstance: logger.child({ component: 'hostaway-sandbox' }) }
}

/** A standalone Fastify instance serving the sandbox, and its state. */
export function createSandbox (opts: Partial<SandboxOptions> = {}): { app: FastifyInstance, state: SandboxState } {
  const state = createSandboxState(opts)
  const app = Fastify({
    ...loggerOptions(state.options.logger),
    // One debug line per request (onResponse hook) instead of Fastify's two info lines.
    logController: new LogController({ disableRequestLogging: true }),
    // Hanging requests and keep-alive sockets must not delay close().
    forceCloseConnections: true,
    // Where a schema says additionalProperties: false, reject unknown fields rather than silently drop them.
    ajv: { customOptions: { removeAdditional: false } }
  })
  // A fresh wrapper: fastify-plugin marks the function it is given, and sandboxApp itself must stay encapsulated.
  const root = fp(async (instance: FastifyInstance, opts: SandboxPluginOptions) => sandboxApp(instance, opts), { name: 'hostaway-sandbox', fastify: '5.x' })
  app.register(root, { state })
  return { app, state }
}

/** Build (not listen) a standalone sandbox. */
export function buildSandbox (opts: Partial<SandboxOptions> = {}): FastifyInstance {
  return createSandbox(opts).app
}
