import fp from 'fastify-plugin'
import { READ_SCHEMAS } from '../../schemas/page.js'

/** The response envelopes of the read routes, added once at the root (named OpenAPI components). */
export default fp(async (fastify) => {
  for (const schema of READ_SCHEMAS) fastify.addSchema(schema)
}, { name: 'read-schemas', dependencies: ['schemas'] })
