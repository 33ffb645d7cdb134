import type { FastifyInstance } from 'fastify'
import { authorize } from '../../services/auth.js'

/**
 * The API-key check of every route under /api (see plugins/app/auth.ts): 401 without a valid
 * X-API-Key, 403 when the key lacks the route's scope (`config.scope`, default `read`).
 */
export default async function apiAuth (fastify: FastifyInstance) {
  const { identify, httpErrors } = fastify
  fastify.addHook('onRequest', async (request) => {
    const header = request.headers['x-api-key']
    const scope = request.routeOptions.config.scope ?? 'read'
    const caller = authorize(identify, typeof header === 'string' ? header : undefined, scope)
    if (caller === 'unauthorized') throw httpErrors.unauthorized('Missing or invalid X-API-Key header')
    if (caller === 'forbidden') throw httpErrors.forbidden(`This API key lacks the "${scope}" scope`)
    request.caller = caller
  })
}
