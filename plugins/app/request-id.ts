import fp from 'fastify-plugin'

/**
 * Echoes the request id in the `X-Request-Id` response header of every response, errors included.
 * The id itself is chosen by `genReqId` in app.ts (a safe incoming X-Request-Id, else a UUID).
 */
export default fp(async (fastify) => {
  // callback style, as every hook on the request path: an async hook costs a promise and a turn of the microtask queue per request
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id)
    done()
  })
}, { name: 'request-id' })
