import fp from 'fastify-plugin'
import { OPEN_CALLER, createApiKeyChecker, parseApiKeys, type Caller, type Scope } from '../../services/auth.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The caller of an X-API-Key value (undefined: no such key); everyone is OPEN_CALLER when API_KEYS is unset. */
    identify: (apiKey: string | undefined) => Caller | undefined
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
