import fp from 'fastify-plugin'
import { namedSchemas } from '../../schemas/index.js'
import { createMcpEndpoint, type McpEndpoint } from '../../services/mcp/endpoint.js'
import { createMcpResources } from '../../services/mcp/resources.js'
import { createMcpTools } from '../../services/mcp/tools.js'
// tsc copies package.json next to the build (dist/package.json), so this path holds for both
import pkg from '../../package.json' with { type: 'json' }

declare module 'fastify' {
  interface FastifyInstance {
    /** The MCP endpoint served at /mcp (routes/mcp/index.ts): the tools over fastify.operations. */
    mcp: McpEndpoint
  }
}

/** Builds the MCP tools and resources over the one operations layer, once; their schemas are made self-contained here, at start (the MCP SDK itself is loaded at the first /mcp exchange). */
export default fp(async (fastify) => {
  const { operations, config } = fastify
  fastify.decorate('mcp', createMcpEndpoint({
    tools: createMcpTools({
      operations,
      maxItems: config.BATCH_MAX_ITEMS,
      requestTimeoutMs: config.REQUEST_TIMEOUT_MS,
      batchTimeoutMs: config.BATCH_TIMEOUT_MS,
      maxChars: config.MCP_RESULT_MAX_CHARS,
      idempotencyTtlMs: config.BATCH_IDEMPOTENCY_TTL_MS
    }),
    resources: createMcpResources({ operations, requestTimeoutMs: config.REQUEST_TIMEOUT_MS }),
    models: namedSchemas(fastify.config),
    version: pkg.version
  }))
}, { name: 'mcp', dependencies: ['config', 'operations'] })
