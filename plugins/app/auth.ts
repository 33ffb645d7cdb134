import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'
import { OPEN_CALLER, authorize, createApiKeyChecker, parseApiKeys, type Caller, type KeySource, type Scope } from '../../services/auth.js'
import { createHostGuard } from '../../services/host-guard.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The caller of an X-API-Key value (undefined: no such key); everyone is OPEN_CALLER when API_KEYS is unset. */
    identify: (apiKey: string | undefined) => Caller | undefined
    /**
     * The API-key check of a route: identifies the request's caller by the key `source` reads;
     * 401 without a valid key, 403 when the key lacks `scope` (undefined: any valid key will do).
     * While API_KEYS is unset it is the defence against DNS rebinding instead: 403 unless the
     * request's Host and Origin name this gateway (services/host-guard.ts).
     */
    authenticate: (request: FastifyRequest, source: KeySource, scope: Scope | undefined) => void
    /** 403 for a browser page whose Origin may not call this route, API keys or not (/mcp: the MCP specification's rule). */
    checkOrigin: (request: FastifyRequest) => void
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

/**
 * Builds the API-key check once from config; warns once at start when the API is open. The routes
 * that need a key when API_KEYS is set (/api/*, /mcp, /metrics) are the ones the Host and Origin
 * rule covers when it is unset: a page rebound to this machine may then neither read nor write.
 */
export default fp(async (fastify) => {
  const { config, httpErrors } = fastify
  const raw = config.API_KEYS
  const guard = createHostGuard({ publicBaseUrl: config.PUBLIC_BASE_URL, allowedHosts: config.ALLOWED_HOSTS, allowedOrigins: config.MCP_ALLOWED_ORIGINS })
  const path = (request: FastifyRequest) => request.url.split('?')[0]

  function checkOrigin (request: FastifyRequest): void {
    const refusal = guard.originRefusal(request.headers.origin, request.headers.host, path(request))
    if (refusal !== undefined) throw httpErrors.forbidden(refusal)
  }
  fastify.decorate('checkOrigin', checkOrigin)

  fastify.decorate('authenticate', function authenticate (request: FastifyRequest, source: KeySource, scope: Scope | undefined) {
    if (raw === undefined) {
      const refusal = guard.hostRefusal(request.headers.host)
      if (refusal !== undefined) throw httpErrors.forbidden(refusal)
      checkOrigin(request)
    }
    const caller = authorize(fastify.identify, source.keyOf(request.headers), scope)
    if (caller === 'unauthorized') throw httpErrors.unauthorized(source.missing)
    if (caller === 'forbidden') throw httpErrors.forbidden(`This API key lacks the "${scope ?? ''}" scope`)
    request.caller = caller
  })
  // until an API-key check has identified the caller, a request is an open one
  const identified = new WeakMap<object, Caller>()
  fastify.decorateRequest('caller', {
    getter () { return identified.get(this) ?? OPEN_CALLER },
    setter (caller: Caller) { identified.set(this, caller) }
  })
  if (raw === undefined) {
    fastify.log.warn('API_KEYS is not set: the /api routes and /mcp are open to anyone who can reach this port (by localhost, an IP address, the host of PUBLIC_BASE_URL or of ALLOWED_HOSTS)')
    fastify.decorate('identify', () => OPEN_CALLER)
    return
  }
  fastify.decorate('identify', createApiKeyChecker(parseApiKeys(raw)))
}, { name: 'auth', dependencies: ['config'] })
