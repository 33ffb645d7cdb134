import fp from 'fastify-plugin'
import { namedSchemas } from '../../schemas/index.js'
import { createMcpEndpoint, type McpEndpoint } from '../../services/mcp/endpoint.js'
import { createMcpTools } from '../../services/mcp/tools.js'
// tsc copies package.json next to the build (dist/package.json), so this path holds for both
import pkg from '../../package.json' with { type: 'json' }

declare module 'fastify' {
  interface FastifyInstance {
    /** The MCP endpoint served at /mcp (routes/mcp/index.ts): the tools over fastify.operations. */
    mcp: McpEndpoint
  }
}

/** Builds the MCP tools over the one operations layer, once; their schemas are compiled here, at start. */
export default fp(async (fastify) => {
  fastify.decorate('mcp', createMcpEndpoint({
    tools: createMcpTools({ operations: fastify.operations, maxItems: fastify.config.BATCH_MAX_ITEMS, requestTimeoutMs: fastify.config.REQUEST_TIMEOUT_MS }),
    models: namedSchemas(fastify.config),
    version: pkg.version
  }))
}, { name: 'mcp', dependencies: ['config', 'operations'] })
