import type { FastifyInstance } from 'fastify'

/**
 * The API-key check of every route under /api (see plugins/app/auth.ts): 401 without a valid
 * X-API-Key, 403 when the key lacks the route's scope (`config.scope`, default `read`).
 */
export default async function apiAuth (fastify: FastifyInstance) {
  const { identify, httpErrors } = fastify
  fastify.addHook('onRequest', async (request) => {
    const header = request.headers['x-api-key']
    const caller = identify(typeof header === 'string' ? header : undefined)
    if (caller === undefined) throw httpErrors.unauthorized('Missing or invalid X-API-Key header')
    const scope = request.routeOptions.config.scope ?? 'read'
    if (!caller.scopes.has(scope)) throw httpErrors.forbidden(`This API key lacks the "${scope}" scope`)
    request.caller = caller
  })
}
