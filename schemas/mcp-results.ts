import { Type, type TSchema } from '@sinclair/typebox'
import { OperationResultSchema } from './batch.js'
import { Nullable } from './common.js'
import { RecordSchema, type RecordKind } from './mcp.js'
import { DryRunResponseSchema } from './dry-run.js'
import { CalendarUpdateResultSchema, MessageSendResultSchema } from './writes.js'

/**
 * The output schemas of the MCP tools: the compact shapes a tool returns, for a client to check
 * `structuredContent` by — the fields an agent acts on, typed; records as their compact field set
 * (schemas/mcp.ts), a definition used twice (a batch's item) under `$defs` once. They name fewer fields than a
 * result has and refuse none: the counts and flags of a PartialFailureResponse, a page's count,
 * limit and offset, `truncated` (the summary says each of them) are in every result as the contract
 * (docs/contract.md) describes them, not repeated in the `tools/list` an agent reads on every
 * session. services/mcp/json-schema.ts drops the prose below the root.
 */

/** A list: its records (compact, defined in place: once); the count (every match of a page) too, not named. */
const List = (kind: RecordKind) => Type.Object({ items: Type.Array(RecordSchema(kind)) })

export const ListingPageResultSchema = List('listing')
export const BookingPageResultSchema = List('booking')
export const ListingResultSchema = RecordSchema('listing')
export const BookingResultSchema = RecordSchema('booking')
export const CalendarResultSchema = List('day')
export const MessagesResultSchema = List('message')

/** One item of a batch: its id, what to do about a failure, its data (success, index, attempts, … not named). */
function ItemSchema (data: TSchema) {
  const { error, operation_id: operationId, error_type: errorType, retryable, remediation } = OperationResultSchema(data).properties
  return Type.Object({ operation_id: operationId, error, error_type: errorType, retryable, remediation, data: Nullable(data) })
}

const item = Type.Unsafe({ $ref: '#/$defs/item' })
/** PartialFailureResponse: each item once, in successful or failed. */
const batch = { successful: Type.Array(item), failed: Type.Array(item) }

/** The batch result of a lookup or update of records (`kind`), their data the compact set. */
export function BatchResultSchema (kind: 'listing' | 'booking') {
  return Type.Object(batch, { $defs: { item: ItemSchema(RecordSchema(kind)) } })
}

/**
 * A write tool's result: its PartialFailureResponse (`data` of each success as given), or with
 * dry_run the DryRunResponse — what the plan comes to (its items, upstream calls and earliest finish not named).
 */
function WriteResultSchema (data: TSchema) {
  const { dry_run: dryRun, valid_count: valid, invalid_count: invalid } = DryRunResponseSchema.properties
  return Type.Unsafe({
    type: 'object',
    anyOf: [Type.Object(batch), Type.Object({ dry_run: dryRun, valid_count: valid, invalid_count: invalid })],
    $defs: { item: ItemSchema(data) }
  })
}

const pick = <P extends Record<string, TSchema>, K extends keyof P>(properties: P, ...names: K[]) => Type.Object(Object.fromEntries(names.map((name) => [name, properties[name]])))
export const CalendarWriteResultSchema = WriteResultSchema(pick(CalendarUpdateResultSchema.properties, 'listing_id', 'start_date', 'end_date', 'days'))
export const MessagesWriteResultSchema = WriteResultSchema(pick(MessageSendResultSchema.properties, 'booking_id', 'message_id', 'status'))
export const BookingsWriteResultSchema = WriteResultSchema(RecordSchema('booking'))
