import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from '@sinclair/typebox'
import { ErrorResponseSchema, Ref, errorResponses } from '../../schemas/common.js'
import { McpAnswerSchema, McpMessageSchema } from '../../schemas/mcp.js'
import { API_KEY_OR_BEARER, apiKeyOf } from '../../services/auth.js'
import { corsHeaders, preflightHeaders } from '../../services/mcp/cors.js'
import { invalidArguments } from '../../services/mcp/messages.js'
import { requestContext } from '../../services/operations.js'

/** The methods /mcp takes (GET and DELETE are routes too, but only to say why they are refused). */
const ALLOW = 'OPTIONS, POST'

/**
 * The challenge of a 401 (RFC 6750): a Bearer token is what MCP clients send. No `resource_metadata`:
 * the gateway is no OAuth resource server and names no authorization server, so a client that reads
 * the challenge asks its user for the key instead of starting an OAuth flow.
 */
function bearerChallenge (request: FastifyRequest): string {
  const sent = apiKeyOf(request.headers) !== undefined
  return `Bearer realm="hostaway-gateway"${sent ? ', error="invalid_token", error_description="The API key is not valid"' : ''}`
}

/**
 * /mcp: the Model Context Protocol endpoint (Streamable HTTP, stateless). The hooks refuse a
 * browser Origin other than the gateway's own names or MCP_ALLOWED_ORIGINS (403, services/host-guard.ts)
 * and a request without a valid API key (401 with a Bearer challenge; while API_KEYS is unset, one whose
 * Host is not a name of the gateway: 403), in the ErrorResponse body; an allowed Origin gets the CORS headers
 * (services/mcp/cors.ts) on every answer and its preflight (OPTIONS) a 204 without a key. Everything
 * past them is the MCP transport's (services/mcp/endpoint.ts).
 */
const mcpRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { mcp, httpErrors } = fastify

  // JSON only, as everywhere (plugins/app/protocol.ts): 415 in the ErrorResponse body otherwise, and a
  // body that is not JSON is a 400 before the transport

  fastify.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin
    if (origin !== undefined) {
      // the Origin rule holds here whether API_KEYS is set or not
      fastify.checkOrigin(request)
      reply.headers(corsHeaders(origin))
    }
    // a preflight carries no key (browsers never send one); it only says what the page may send
    if (request.method === 'OPTIONS') return
    // any valid key: each tool is offered by its own scope (services/mcp/endpoint.ts); the Host rule while keys are unset
    try {
      fastify.authenticate(request, API_KEY_OR_BEARER, undefined)
    } catch (err) {
      // the challenge goes with a 401 only (a foreign Host is no matter of credentials)
      if ((err as { statusCode?: number }).statusCode === 401) reply.header('www-authenticate', bearerChallenge(request))
      throw err
    }
  })

  fastify.post('', {
    // batch tools end by their own deadline (timeout_ms), like the REST batch routes
    config: { requestTimeout: false },
    schema: {
      operationId: 'mcp',
      summary: 'Send an MCP message (JSON-RPC 2.0): initialize, tools/list, tools/call, resources/read, …',
      description: 'Streamable HTTP transport of the Model Context Protocol, stateless. Send Accept: application/json, text/event-stream ' +
        '(406 otherwise); a request is answered as JSON or as a short SSE stream (progress notifications, then the result). ' +
        'Protocol errors (malformed JSON-RPC, unknown tool, …) are JSON-RPC errors; a tool that fails returns isError. ' +
        'X-API-Key or Authorization: Bearer <key> when API_KEYS is set (401 with WWW-Authenticate: Bearer otherwise). ' +
        'Cancel a call by closing its request.',
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
    const refused = invalidArguments(request.body)
    if (refused !== undefined) return refused
    const exchange = { context: requestContext(request), log: request.log, requestId: request.id }
    hijack(reply)
    await mcp.handle(request.raw, reply.raw, request.body, exchange)
  })

  // the CORS preflight of a page on an allowed origin (the hook refused the others); without an Origin, just the methods
  fastify.options('', {
    schema: {
      operationId: 'mcpPreflight',
      summary: 'CORS preflight: what a page from an allowed origin may send',
      description: 'No key needed. For an allowed Origin (the gateway\'s own names, MCP_ALLOWED_ORIGINS) 204 with Access-Control-Allow-Methods and -Headers; any other Origin is 403.',
      tags: ['mcp'],
      response: { 204: Type.Null({ description: 'Allowed: the Access-Control-Allow-* headers say what' }), ...errorResponses(403) }
    }
  }, async function preflight (request, reply) {
    reply.header('allow', ALLOW)
    const method = request.headers['access-control-request-method']
    if (request.headers.origin !== undefined && method !== undefined) {
      const asked = request.headers['access-control-request-headers']
      reply.headers(preflightHeaders(Array.isArray(asked) ? asked.join(',') : asked))
    }
    return reply.code(204).send(null)
  })

  // Stateless: no server-initiated stream to open (GET) and no session to end (DELETE).
  const notAllowed = async function (request: FastifyRequest, reply: FastifyReply) {
    reply.header('allow', ALLOW)
    throw httpErrors.methodNotAllowed(`${request.method} /mcp is not supported: this MCP endpoint is stateless, send every message as a POST`)
  }
  // hidden from the OpenAPI document (an operation with no success is no operation; POST /mcp's and info's descriptions say it)
  const refused = { tags: ['mcp'], hide: true, response: errorResponses(401, 403, 405) }
  const refusesMethod = { refusesMethod: true } as const
  fastify.get('', { exposeHeadRoute: false, config: refusesMethod, schema: { ...refused, operationId: 'mcpOpenStream', summary: 'Not supported (405): no server-initiated stream' } }, notAllowed)
  fastify.delete('', { config: refusesMethod, schema: { ...refused, operationId: 'mcpEndSession', summary: 'Not supported (405): no session to end' } }, notAllowed)
}

/** Hands the raw response to the MCP transport, keeping the headers set so far (X-Request-Id, CORS). */
function hijack (reply: FastifyReply) {
  for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) reply.raw.setHeader(name, value)
  reply.hijack()
}

export default mcpRoutes
