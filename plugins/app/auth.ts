import fp from 'fastify-plugin'
import { apiKeys } from '../../services/config.js'
import { createApiKeyChecker } from '../../services/auth.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** True when the X-API-Key value is one of API_KEYS; null when the API is open (API_KEYS unset). */
    apiKeyCheck: ((candidate: string | undefined) => boolean) | null
  }
}

/** Builds the API-key checker once from config; warns once at start when the API is open. */
export default fp(async (fastify) => {
  const keys = apiKeys(fastify.config)
  if (keys.length === 0) {
    fastify.log.warn('API_KEYS is not set: the /api routes are open to anyone who can reach this port')
    fastify.decorate('apiKeyCheck', null)
    return
  }
  fastify.decorate('apiKeyCheck', createApiKeyChecker(keys))
}, { name: 'auth', dependencies: ['config'] })
