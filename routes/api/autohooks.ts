import type { FastifyInstance } from 'fastify'
import { API_KEY_OR_BEARER } from '../../services/auth.js'

/**
 * The API-key check of every route under /api (see plugins/app/auth.ts): 401 without a valid
 * X-API-Key (or Authorization: Bearer), 403 when the key lacks the route's scope (`config.scope`, default `read`).
 */
export default async function apiAuth (fastify: FastifyInstance) {
  // callback style: no promise per request (a refusal thrown here is answered like one passed to done)
  fastify.addHook('onRequest', (request, _reply, done) => {
    fastify.authenticate(request, API_KEY_OR_BEARER, request.routeOptions.config.scope ?? 'read')
    done()
  })
}
