import fp from 'fastify-plugin'
import sensible from '@fastify/sensible'

/** HTTP errors (`fastify.httpErrors`) and reply helpers. */
export default fp(async (fastify) => {
  await fastify.register(sensible)
}, { name: 'sensible-external' })
