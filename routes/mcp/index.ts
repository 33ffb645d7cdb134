import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from '@sinclair/typebox'
import { ErrorResponseSchema, Ref, errorResponses } from '../../schemas/common.js'
import { McpAnswerSchema, McpMessageSchema } from '../../schemas/mcp.js'
import { API_KEY_OR_BEARER } from '../../services/auth.js'
import { requestContext } from '../../services/operations.js'

/**
 * /mcp: the Model Context Protocol endpoint (Streamable HTTP, stateless). The hooks refuse a
 * browser Origin other than the gateway's own hosts or MCP_ALLOWED_ORIGINS (403) and a request without a valid API key (401), in the
 * ErrorResponse body; everything past them is the MCP transport's (services/mcp/endpoint.ts).
 */
const mcpRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { mcp, httpErrors } = fastify

  // JSON only, as everywhere (plugins/app/protocol.ts): 415 in the ErrorResponse body otherwise, and a
  // body that is not JSON is a 400 before the transport

  fastify.addHook('onRequest', async (request) => {
    // the Origin rule holds here whether API_KEYS is set or not (services/host-guard.ts)
    fastify.checkOrigin(request)
    // any valid key: each tool is offered by its own scope (services/mcp/endpoint.ts); the Host rule when keys are unset
    fastify.authenticate(request, API_KEY_OR_BEARER, undefined)
  })

  fastify.post('', {
    // batch tools end by their own deadline (timeout_ms), like the REST batch routes
    config: { requestTimeout: false },
    schema: {
      operationId: 'mcp',
      summary: 'Send an MCP message (JSON-RPC 2.0): initialize, tools/list, tools/call, …',
      description: 'Streamable HTTP transport of the Model Context Protocol, stateless. Send Accept: application/json, text/event-stream ' +
        '(406 otherwise). Protocol errors (malformed JSON-RPC, unknown tool, …) are JSON-RPC errors; a tool that fails returns isError. ' +
        'X-API-Key or Authorization: Bearer <key> when API_KEYS is set.',
      tags: ['mcp'],
      body: McpMessageSchema,
      response: {
        200: McpAnswerSchema,
        202: Type.Null({ description: 'A notification, accepted' }),
        // the gateway's 400 (a body that is not JSON) or the transport's (JSON that is not JSON-RPC)
        400: Type.Union([Ref(ErrorResponseSchema), McpAnswerSchema]),
        406: McpAnswerSchema,
        ...errorResponses(401, 403, 413, 415)
      }
    }
  }, async function mcpMessage (request, reply) {
    const exchange = { context: requestContext(request), log: request.log, requestId: request.id }
    hijack(reply)
    await mcp.handle(request.raw, reply.raw, request.body, exchange)
  })

  // Stateless: no server-initiated stream to open (GET) and no session to end (DELETE).
  const notAllowed = async function (request: FastifyRequest, reply: FastifyReply) {
    reply.header('allow', 'POST')
    throw httpErrors.methodNotAllowed(`${request.method} /mcp is not supported: this MCP endpoint is stateless, send every message as a POST`)
  }
  const refused = { tags: ['mcp'], response: errorResponses(401, 403, 405) }
  fastify.get('', { exposeHeadRoute: false, schema: { ...refused, operationId: 'mcpOpenStream', summary: 'Not supported (405): no server-initiated stream' } }, notAllowed)
  fastify.delete('', { schema: { ...refused, operationId: 'mcpEndSession', summary: 'Not supported (405): no session to end' } }, notAllowed)
}

/** Hands the raw response to the MCP transport, keeping the headers set so far (X-Request-Id). */
function hijack (reply: FastifyReply) {
  for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) reply.raw.setHeader(name, value)
  reply.hijack()
}

export default mcpRoutes
