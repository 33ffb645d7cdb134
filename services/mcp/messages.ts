import type { Static } from '@sinclair/typebox'
import type { McpAnswerSchema } from '../../schemas/mcp.js'

/** JSON-RPC's "invalid params". */
const INVALID_PARAMS = -32602

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

const what = (value: unknown) => value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`

/**
 * The answer to a `tools/call` request whose params have the wrong shape (`arguments: null`, no
 * tool name, …), or undefined for any other message. The MCP SDK refuses those too, but its message
 * is a multi-line dump of its schema library's issues; this one says in a line what to send.
 */
export function invalidArguments (body: unknown): Static<typeof McpAnswerSchema> | undefined {
  if (!isRecord(body) || body.method !== 'tools/call' || !(typeof body.id === 'string' || typeof body.id === 'number')) return undefined
  const { params } = body
  let problem: string | undefined
  if (!isRecord(params)) problem = `params must be an object { name, arguments }, not ${what(params)}`
  else if (params.name === undefined) problem = 'params/name is required: the name of the tool to call'
  else if (typeof params.name !== 'string') problem = `params/name must be the tool's name (a string), not ${what(params.name)}`
  else if ('arguments' in params && !isRecord(params.arguments)) problem = `params/arguments must be an object of the tool's arguments (or left out), not ${what(params.arguments)}`
  return problem === undefined ? undefined : { jsonrpc: '2.0', id: body.id, error: { code: INVALID_PARAMS, message: `Invalid params: ${problem}` } }
}
