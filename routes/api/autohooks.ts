import type { FastifyInstance } from 'fastify'
import { apiKeys } from '../../services/config.js'
import { createApiKeyChecker } from '../../services/auth.js'

/**
 * API-key check for every route under /api. When API_KEYS is unset the API is open
 * (a warning is logged once at start).
 */
export default async function apiAuth (fastify: FastifyInstance) {
  const keys = apiKeys(fastify.config)
  if (keys.length === 0) {
    fastify.log.warn('API_KEYS is not set: the /api routes are open to anyone who can reach this port')
    return
  }
  const isValid = createApiKeyChecker(keys)
  fastify.addHook('onRequest', async (request) => {
    const header = request.headers['x-api-key']
    if (!isValid(typeof header === 'string' ? header : undefined)) {
      throw fastify.httpErrors.unauthorized('Missing or invalid X-API-Key header')
    }
  })
}
