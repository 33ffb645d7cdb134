import type { IncomingMessage, ServerResponse } from 'node:http'
import type { TSchema } from '@sinclair/typebox'
import type { FastifyBaseLogger } from 'fastify'
import { McpServer, createMcpHandler, fromJsonSchema, type CallToolResult } from '@modelcontextprotocol/server'
import { toNodeHandler } from '@modelcontextprotocol/node'
import { ERROR_TYPES, type ErrorType } from '../../schemas/common.js'
import { mapError, type Mapped } from '../error-response.js'
import { HostawayError, REMEDIATION } from '../errors.js'
import type { CallerContext } from '../operations.js'
import { createSchemaValidator, selfContained, type JsonSchema } from './json-schema.js'
import type { McpTool } from './tools.js'

/** One HTTP exchange with /mcp: who asks (the operations' context), and where to log. */
export interface McpExchange {
  context: CallerContext
  log: Pick<FastifyBaseLogger, 'info' | 'error'>
  requestId: string
}

export interface McpEndpointDeps {
  tools: readonly McpTool[]
  /** the named models the tool schemas refer to (schemas/index.ts), inlined into each listing */
  models: readonly TSchema[]
  /** the gateway's version, reported to clients */
  version: string
}

export type McpEndpoint = ReturnType<typeof createMcpEndpoint>

/** The REST error naming (`querystring/end_date`, `body/updates/1/listing_id`) in tool terms. */
const asArguments = (message: string) => message.replace(/\b(?:querystring|body|params)\//g, 'arguments/')

const isErrorType = (value: string | undefined): value is ErrorType => (ERROR_TYPES as readonly string[]).includes(value ?? '')

/**
 * The text of a call that failed as a whole: "get_listing failed: not_found (HTTP 404) …", whether
 * to try again, the remediation. A 500 names only the request id (mapError hides the rest).
 */
function failureText (tool: string, error: Error, mapped: Mapped, requestId: string): string {
  const type = mapped.errorType
  const lines = [`${tool} failed: ${type} (HTTP ${mapped.status}): ${asArguments(mapped.message)}`]
  if (error instanceof HostawayError) {
    const after = error.retry_after_ms === null ? '' : ` after about ${Math.ceil(error.retry_after_ms / 1000)} s`
    lines.push(error.retryable ? `Retryable: call ${tool} again${after}.` : 'Not retryable as is.')
  }
  if (isErrorType(type)) lines.push(REMEDIATION[type])
  if (mapped.status >= 500) lines.push(`Request id: ${requestId}.`)
  return lines.join('\n')
}

/**
 * The MCP endpoint (Streamable HTTP, stateless): every exchange gets a fresh MCP server that offers
 * the tools the caller's API-key scopes allow, each calling its operation with the caller's context.
 * Schemas are made self-contained and compiled once, at start.
 */
export function createMcpEndpoint ({ tools, models, version }: McpEndpointDeps) {
  const args = createSchemaValidator('arguments')
  const results = createSchemaValidator('result')
  const listed = tools.map((tool) => ({
    tool,
    inputSchema: fromJsonSchema(selfContained(tool.input, models) as JsonSchema, args),
    outputSchema: fromJsonSchema(selfContained(tool.output, models) as JsonSchema, results)
  }))

  async function callTool (tool: McpTool, input: unknown, exchange: McpExchange): Promise<CallToolResult> {
    try {
      const { result, summary } = await tool.call(input, exchange.context)
      exchange.log.info({ tool: tool.name, caller: exchange.context.caller.id }, 'mcp tool call')
      // the summary first, then the result as JSON text for clients that do not read structuredContent
      return { content: [{ type: 'text', text: summary }, { type: 'text', text: JSON.stringify(result) }], structuredContent: result }
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err))
      const mapped = mapError(error)
      const entry = { tool: tool.name, caller: exchange.context.caller.id, status: mapped.status, err }
      if (mapped.status >= 500 && !(err instanceof HostawayError)) exchange.log.error(entry, 'mcp tool call failed')
      else exchange.log.info(entry, 'mcp tool call refused')
      return { isError: true, content: [{ type: 'text', text: failureText(tool.name, error, mapped, exchange.requestId) }] }
    }
  }

  function serverFor (exchange: McpExchange): McpServer {
    const { scopes } = exchange.context.caller
    const withheld = listed.filter(({ tool }) => !scopes.has(tool.scope)).map(({ tool }) => `${tool.name} (needs the ${tool.scope} scope)`)
    const server = new McpServer({ name: 'hostaway-gateway', version }, {
      capabilities: { tools: { listChanged: false } },
      instructions: 'Hostaway properties (listings), their calendars, reservations (bookings) and guest messages. ' +
        'For several ids prefer the batch_* tools: one call, and a partly failed batch still succeeds, reporting each failed id with error_type, retryable and remediation.' +
        (withheld.length > 0 ? ` Not offered to this API key: ${withheld.join(', ')}.` : '')
    })
    for (const { tool, inputSchema, outputSchema } of listed) {
      if (!scopes.has(tool.scope)) continue
      server.registerTool(tool.name, {
        title: tool.title,
        description: tool.description,
        inputSchema,
        outputSchema,
        annotations: tool.readOnly
          ? { readOnlyHint: true, openWorldHint: true }
          : { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true }
      }, (input) => callTool(tool, input, exchange))
    }
    return server
  }

  return {
    /**
     * Serves one HTTP exchange: the request is already authenticated, its body parsed; the MCP
     * transport writes the answer (a JSON-RPC result or error, 406 without a suitable Accept, …).
     */
    async handle (req: IncomingMessage, res: ServerResponse, body: unknown, exchange: McpExchange): Promise<void> {
      const handler = createMcpHandler(() => serverFor(exchange), {
        onerror: (err) => exchange.log.info({ err }, 'mcp request rejected')
      })
      try {
        await toNodeHandler(handler, { onerror: (err) => exchange.log.error({ err }, 'mcp request failed') })(req, res, body)
      } finally {
        await handler.close()
      }
    }
  }
}
