import type { IncomingMessage, ServerResponse } from 'node:http'
import type { TSchema } from '@sinclair/typebox'
import type { FastifyBaseLogger } from 'fastify'
import type { CallToolResult, McpServer, ReadResourceResult, ServerContext } from '@modelcontextprotocol/server'
import { ERROR_TYPES, type ErrorType } from '../../schemas/common.js'
import { mapError, type Mapped } from '../error-response.js'
import { GatewayError, REMEDIATION } from '../errors.js'
import type { CallerContext } from '../operations.js'
import { createSchemaValidator, selfContained, type JsonSchema } from './json-schema.js'
import type { McpResource } from './resources.js'
import type { McpTool } from './tool.js'

/** One HTTP exchange with /mcp: who asks (the operations' context), and where to log. */
export interface McpExchange {
  context: CallerContext
  log: Pick<FastifyBaseLogger, 'info' | 'error'>
  requestId: string
}

export interface McpEndpointDeps {
  tools: readonly McpTool[]
  /** the resource templates (hostaway://listings/{id}, …) */
  resources?: readonly McpResource[]
  /** the named models the tool schemas refer to (schemas/index.ts), inlined into each listing */
  models: readonly TSchema[]
  /** the gateway's version, reported to clients */
  version: string
}

export type McpEndpoint = ReturnType<typeof createMcpEndpoint>

/**
 * The REST error naming in tool terms: `querystring/end_date`, `body/updates/1/listing_id` →
 * `arguments/…`; the Idempotency-Key header and the request body it stands for → the
 * `idempotency_key` argument and the arguments.
 */
const asArguments = (message: string) => message
  .replace(/\b(?:querystring|body|params)\//g, 'arguments/')
  .replace(/Idempotency-Key/g, 'idempotency_key')
  .replace(/a different request body/g, 'different arguments')

const isErrorType = (value: string | undefined): value is ErrorType => (ERROR_TYPES as readonly string[]).includes(value ?? '')

/**
 * The text of a call that failed as a whole: "get_listing failed: not_found (HTTP 404) …", whether
 * to try again, the remediation. A 500 names only the request id (mapError hides the rest).
 */
function failureText (tool: string, error: Error, mapped: Mapped, requestId: string, remedies: McpTool['remedies'] = {}): string {
  const type = mapped.errorType
  const lines = [`${tool} failed: ${type} (HTTP ${mapped.status}): ${asArguments(mapped.message)}`]
  if (error instanceof GatewayError) {
    const after = error.retry_after_ms === null ? '' : ` after about ${Math.ceil(error.retry_after_ms / 1000)} s`
    lines.push(error.retryable ? `Retryable: call ${tool} again${after}.` : 'Not retryable as is.')
  }
  const remedy = remedies[mapped.status] ?? (isErrorType(type) ? REMEDIATION[type] : undefined)
  if (remedy !== undefined) lines.push(remedy)
  if (mapped.status >= 500) lines.push(`Request id: ${requestId}.`)
  return lines.join('\n')
}

/** A failure mapped as the REST route would answer it, logged: as an error when it is a bug of ours. */
function mapped (err: unknown, exchange: McpExchange, what: 'tool call' | 'resource read', entry: Record<string, unknown>): { error: Error, mapped: Mapped } {
  const error = err instanceof Error ? err : new Error(String(err))
  const result = mapError(error)
  const line = { ...entry, caller: exchange.context.caller.id, status: result.status, err }
  if (result.status >= 500 && !(err instanceof GatewayError)) exchange.log.error(line, `mcp ${what} failed`)
  else exchange.log.info(line, `mcp ${what} refused`)
  return { error, mapped: result }
}

/**
 * What a tool call tells the client as its batch items settle, when the request carries a
 * `progressToken`: one `notifications/progress` per settled item (in the SSE stream of the request,
 * before the result). `settle` waits for the ones sent, so none follows the result.
 */
function progressOf (sdk: ServerContext, log: McpExchange['log']) {
  const token = sdk.mcpReq._meta?.progressToken
  if (token === undefined) return { report: undefined, settle: async () => {} }
  const sent: Array<Promise<void>> = []
  return {
    report (settled: number, total: number) {
      const params = { progressToken: token, progress: settled, total, message: `${settled} of ${total} items settled` }
      sent.push(sdk.mcpReq.notify({ method: 'notifications/progress', params }).catch((err: unknown) => { log.info({ err }, 'mcp progress notification not sent') }))
    },
    settle: async () => { await Promise.all(sent) }
  }
}

/**
 * The MCP SDK (with zod and hono: ~25 MB of a process' memory), imported at the first /mcp
 * exchange rather than at start: an instance nobody asks over MCP never loads it.
 */
async function loadSdk () {
  const [server, node] = await Promise.all([import('@modelcontextprotocol/server'), import('@modelcontextprotocol/node')])
  return { ...server, toNodeHandler: node.toNodeHandler }
}
type Sdk = Awaited<ReturnType<typeof loadSdk>>

/** A positive integer id of a resource URI (`hostaway://listings/{id}`), or undefined. */
function resourceId (value: string | string[] | undefined): number | undefined {
  return typeof value === 'string' && /^[1-9]\d{0,15}$/.test(value) && Number.isSafeInteger(Number(value)) ? Number(value) : undefined
}

/**
 * The MCP endpoint (Streamable HTTP, stateless): every exchange gets a fresh MCP server that offers
 * the tools and resources the caller's API-key scopes allow, each calling its operation with the
 * caller's context. Schemas are made self-contained at start; the SDK is loaded at the first exchange.
 */
export function createMcpEndpoint ({ tools, resources = [], models, version }: McpEndpointDeps) {
  const args = createSchemaValidator('arguments')
  const results = createSchemaValidator('result')
  // made self-contained here, at start (a $ref that names no model throws now); given to the SDK at its first use
  const schemas = tools.map((tool) => ({
    tool,
    input: selfContained(tool.input, models, 'input'),
    output: selfContained(tool.output, models, 'output')
  }))
  let loading: Promise<{ sdk: Sdk, listed: Array<{ tool: McpTool, inputSchema: ReturnType<Sdk['fromJsonSchema']>, outputSchema: ReturnType<Sdk['fromJsonSchema']> }> }> | undefined
  const loaded = () => (loading ??= loadSdk().then((sdk) => ({
    sdk,
    listed: schemas.map(({ tool, input, output }) => ({
      tool,
      inputSchema: sdk.fromJsonSchema(input as JsonSchema, args),
      outputSchema: sdk.fromJsonSchema(output as JsonSchema, results)
    }))
  })))

  async function callTool (tool: McpTool, input: unknown, exchange: McpExchange, sdk: ServerContext): Promise<CallToolResult> {
    const progress = progressOf(sdk, exchange.log)
    try {
      const context = progress.report === undefined ? exchange.context : { ...exchange.context, progress: progress.report }
      const { result, json, summary } = await tool.call(input, context)
      await progress.settle()
      exchange.log.info({ tool: tool.name, caller: exchange.context.caller.id, chars: json.length }, 'mcp tool call')
      // the summary first, then the result once as JSON text, for clients that do not read structuredContent
      return { content: [{ type: 'text', text: summary }, { type: 'text', text: json }], structuredContent: result }
    } catch (err) {
      await progress.settle()
      const { error, mapped: answer } = mapped(err, exchange, 'tool call', { tool: tool.name })
      return { isError: true, content: [{ type: 'text', text: failureText(tool.name, error, answer, exchange.requestId, tool.remedies) }] }
    }
  }

  async function readResource (resource: McpResource, uri: URL, id: string | string[] | undefined, exchange: McpExchange, sdk: Sdk): Promise<ReadResourceResult> {
    const { ProtocolError, ProtocolErrorCode, ResourceNotFoundError } = sdk
    const key = resourceId(id)
    if (key === undefined) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `${uri.href}: the id must be a positive integer`)
    try {
      const value = await resource.read(key, exchange.context)
      exchange.log.info({ resource: resource.name, caller: exchange.context.caller.id }, 'mcp resource read')
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(value) }] }
    } catch (err) {
      const { error, mapped: answer } = mapped(err, exchange, 'resource read', { resource: resource.name })
      if (answer.errorType === 'not_found') throw new ResourceNotFoundError(uri.href)
      throw new ProtocolError(ProtocolErrorCode.InternalError, failureText(`resources/read ${uri.href}`, error, answer, exchange.requestId))
    }
  }

  function serverFor (exchange: McpExchange, { sdk, listed }: Awaited<ReturnType<typeof loaded>>): McpServer {
    const { McpServer, ResourceTemplate } = sdk
    const { scopes } = exchange.context.caller
    const withheld = listed.filter(({ tool }) => !scopes.has(tool.scope)).map(({ tool }) => `${tool.name} (needs the ${tool.scope} scope)`)
    const server = new McpServer({ name: 'hostaway-gateway', version }, {
      capabilities: { tools: { listChanged: false } },
      instructions: 'Hostaway properties (listings), their calendars, reservations (bookings) and guest messages. ' +
        'For several ids prefer the batch_* tools: one call, and a partly failed batch still succeeds, reporting each failed id with error_type, retryable and remediation. ' +
        'Lists, pages and batches return a compact set of fields unless fields asks for others (["*"]: every field); a result too long is cut, saying how to get the rest.' +
        (withheld.length > 0 ? ` Not offered to this API key: ${withheld.join(', ')}.` : '')
    })
    for (const { tool, inputSchema, outputSchema } of listed) {
      if (!scopes.has(tool.scope)) continue
      server.registerTool(tool.name, {
        description: tool.description,
        inputSchema,
        outputSchema,
        annotations: tool.annotations
      }, (input, sdk) => callTool(tool, input, exchange, sdk))
    }
    for (const resource of resources) {
      if (!scopes.has(resource.scope)) continue
      // no `list`: the ids are Hostaway's (thousands); a client reads the one it needs
      server.registerResource(resource.name, new ResourceTemplate(resource.uriTemplate, { list: undefined }), {
        title: resource.title,
        description: resource.description,
        mimeType: 'application/json'
      }, (uri, variables) => readResource(resource, uri, variables.id, exchange, sdk))
    }
    return server
  }

  return {
    /**
     * Serves one HTTP exchange: the request is already authenticated, its body parsed; the MCP
     * transport writes the answer (a JSON-RPC result or error, 406 without a suitable Accept, …).
     */
    async handle (req: IncomingMessage, res: ServerResponse, body: unknown, exchange: McpExchange): Promise<void> {
      const sdk = await loaded()
      const { createMcpHandler, toNodeHandler } = sdk.sdk
      const handler = createMcpHandler(() => serverFor(exchange, sdk), {
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
