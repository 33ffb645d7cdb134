import type { FastifyInstance } from 'fastify'

/** API-key check for every route under /api (see plugins/app/auth.ts). */
export default async function apiAuth (fastify: FastifyInstance) {
  const isValid = fastify.apiKeyCheck
  if (isValid === null) return
  fastify.addHook('onRequest', async (request) => {
    const header = request.headers['x-api-key']
    if (!isValid(typeof header === 'string' ? header : undefined)) {
      throw fastify.httpErrors.unauthorized('Missing or invalid X-API-Key header')
    }
  })
}
