import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'
import { OPEN_CALLER, authorize, createApiKeyChecker, parseApiKeys, type Caller, type KeySource, type Scope } from '../../services/auth.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The caller of an X-API-Key value (undefined: no such key); everyone is OPEN_CALLER when API_KEYS is unset. */
    identify: (apiKey: string | undefined) => Caller | undefined
    /**
     * The API-key check of a route: identifies the request's caller by the key `source` reads;
     * 401 without a valid key, 403 when the key lacks `scope` (undefined: any valid key will do).
     */
    authenticate: (request: FastifyRequest, source: KeySource, scope: Scope | undefined) => void
  }
  interface FastifyRequest {
    /** Who sent the request (set by the API-key check of the routes that need one). */
    caller: Caller
  }
  interface FastifyContextConfig {
    /** The scope an API key needs for this route (default `read`). */
    scope?: Scope
  }
}

/** Builds the API-key check once from config; warns once at start when the API is open. */
export default fp(async (fastify) => {
  const raw = fastify.config.API_KEYS
  fastify.decorate('authenticate', function authenticate (request: FastifyRequest, source: KeySource, scope: Scope | undefined) {
    const caller = authorize(fastify.identify, source.keyOf(request.headers), scope)
    if (caller === 'unauthorized') throw fastify.httpErrors.unauthorized(source.missing)
    if (caller === 'forbidden') throw fastify.httpErrors.forbidden(`This API key lacks the "${scope ?? ''}" scope`)
    request.caller = caller
  })
  // until an API-key check has identified the caller, a request is an open one
  const identified = new WeakMap<object, Caller>()
  fastify.decorateRequest('caller', {
    getter () { return identified.get(this) ?? OPEN_CALLER },
    setter (caller: Caller) { identified.set(this, caller) }
  })
  if (raw === undefined) {
    fastify.log.warn('API_KEYS is not set: the /api routes and /mcp are open to anyone who can reach this port')
    fastify.decorate('identify', () => OPEN_CALLER)
    return
  }
  fastify.decorate('identify', createApiKeyChecker(parseApiKeys(raw)))
}, { name: 'auth', dependencies: ['config'] })
