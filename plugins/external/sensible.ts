import sensible from '@fastify/sensible'

export const autoConfig = {}

/**
 * HTTP errors (`fastify.httpErrors`) and reply helpers.
 *
 * @see {@link https://github.com/fastify/fastify-sensible}
 */
export default sensible
