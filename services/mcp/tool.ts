import type { Static, TSchema } from '@sinclair/typebox'
import type { ToolAnnotations } from '@modelcontextprotocol/server'
import type { PartialFailureResponse } from '../../schemas/batch.js'
import type { DryRunResponse } from '../../schemas/dry-run.js'
import type { Scope } from '../auth.js'
import { settleUnserializable } from '../batch/json.js'
import { abortError, linkSignals } from '../abort.js'
import type { CallerContext } from '../operations.js'
import type { Shaped } from './results.js'

/** A tool's outcome: the result (`structuredContent`), its JSON text, and the short text an agent reads first. */
export interface ToolOutcome {
  result: Record<string, unknown>
  json: string
  summary: string
}

/**
 * One MCP tool: its listing (name, description, annotations, schemas as TypeBox, built from the REST
 * routes' own), the API-key scope it needs, and `call`, which runs one operation of
 * services/operations.ts — the same path to Hostaway as the REST route — and shapes its answer for
 * an agent (services/mcp/results.ts). `args` have been validated against `input` by the MCP server.
 */
export interface McpTool {
  name: string
  description: string
  scope: Scope
  annotations: ToolAnnotations
  input: TSchema
  output: TSchema
  /**
   * What to do about a call that failed as a whole with this HTTP status, where the error type's
   * remediation would mislead (a reused idempotency_key is a 422 validation_error, but there is
   * nothing to fix in the arguments).
   */
  remedies?: Readonly<Partial<Record<number, string>>>
  call: (args: unknown, ctx: CallerContext) => Promise<ToolOutcome>
}

export interface ToolSpec<I extends TSchema, R extends object> extends Omit<McpTool, 'input' | 'call'> {
  input: I
  run: (args: Static<I>, ctx: CallerContext) => Promise<R>
  /** the first line(s) an agent reads, from the operation's answer and the result as sized (`shaped`) */
  summarize: (result: R, args: Static<I>, shaped: Record<string, unknown>) => string
  /** the tool's result, sized: projected on `fields`, cut at MCP_RESULT_MAX_CHARS */
  shape: (result: R, args: Static<I>) => Shaped
}

/** Types a tool by its input schema; the MCP server validates the arguments before `call`. */
export function tool<I extends TSchema, R extends object> ({ run, summarize, shape, ...listing }: ToolSpec<I, R>): McpTool {
  return {
    ...listing,
    async call (args, ctx) {
      const typed = args as Static<I>
      const answer = await run(typed, ctx)
      const { result, json, notes } = shape(answer, typed)
      return { result, json, summary: [summarize(answer, typed, result), ...notes].join('\n') }
    }
  }
}

export const PAGING = 'The summary gives the next offset.'
export const BATCH = 'A partly failed batch still succeeds: each id once, in successful or failed; the summary says what to resend.'

/** Every tool reads or writes Hostaway, an outside system (`openWorldHint`). */
export const READ = { scope: 'read', annotations: { readOnlyHint: true, openWorldHint: true } } as const
/**
 * A batch update (listings, calendar ranges, reservations) overwrites fields (destructive); it sets
 * absolute values, so sending the same arguments again leaves Hostaway as the first call did
 * (idempotent), and an idempotency_key also keeps the repeat from being sent upstream again.
 */
export const WRITE = { scope: 'write', annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true } } as const
/**
 * Sending messages: not destructive (nothing is overwritten) and not idempotent (a second send is a
 * second message to the guest: the gateway never resends on its own, and the idempotency_key
 * replays a repeat instead of sending it).
 */
export const SEND = { scope: 'messages', annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true } } as const

/** The answer of a write operation: a batch (replayed or not), or a dry run. */
export type WriteOutcome<T> = { replayed: boolean, body: PartialFailureResponse<T> } | { dryRun: DryRunResponse }

export const IDEMPOTENCY_REMEDIES = {
  409: 'The first call with this idempotency_key is still running: call again later with the same arguments to get its result.',
  422: 'An idempotency_key stands for the arguments it was first used with: use a new key for other arguments, or send the same arguments again to get the stored result.'
}

/** A batch result whose items can all be written as JSON: one that cannot fails alone (services/batch-json.ts), never the call. */
export function settled<T> (result: PartialFailureResponse<T>, ctx: CallerContext): PartialFailureResponse<T> {
  return settleUnserializable(result, ({ index, operation_id: operationId, error }) => ctx.logger.warn({ index, operation_id: operationId, err: error }, 'batch item not serializable: reported as internal_error'))
}

/** A write's answer with its batch settled (a dry run as it is). */
export const settledWrite = <T>(outcome: WriteOutcome<T>, ctx: CallerContext): WriteOutcome<T> => 'dryRun' in outcome ? outcome : { ...outcome, body: settled(outcome.body, ctx) }

/**
 * Runs a single-item tool by the deadline of a single-item REST route (`ms`, REQUEST_TIMEOUT_MS,
 * from the call's start): an upstream call whose turn would come too late is refused at once
 * (rate_limit, with the predicted wait), and the work still running at the deadline is aborted
 * (timeout). Batch tools end by their own `timeout_ms`.
 */
export async function byDeadline<R> (ctx: CallerContext, ms: number, run: (ctx: CallerContext) => Promise<R>): Promise<R> {
  const deadline = new AbortController()
  const timer = setTimeout(() => deadline.abort(abortError(`the request deadline of ${ms} ms passed`)), ms)
  const linked = linkSignals(deadline.signal, ctx.signal)
  try {
    return await run({ ...ctx, signal: linked.signal, deadline: performance.now() + ms })
  } finally {
    clearTimeout(timer)
    linked.dispose()
  }
}
