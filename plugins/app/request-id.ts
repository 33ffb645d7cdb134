import fp from 'fastify-plugin'

/**
 * Echoes the request id in the `X-Request-Id` response header of every response, errors included.
 * The id itself is chosen by `genReqId` in app.ts (a safe incoming X-Request-Id, else a UUID).
 */
export default fp(async (fastify) => {
  fastify.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id)
  })
}, { name: 'request-id' })
