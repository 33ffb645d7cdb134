import fp from 'fastify-plugin'
import { namedSchemas } from '../../schemas/index.js'

/** Adds every named schema of schemas/index.ts once at the root, so routes refer to them by `$id`. */
export default fp(async (fastify) => {
  for (const schema of namedSchemas(fastify.config)) fastify.addSchema(schema)
}, { name: 'schemas', dependencies: ['config'] })
