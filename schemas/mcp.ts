import { Type, type TObject, type TProperties, type TSchema } from '@sinclair/typebox'
import { BatchListingUpdateBodySchema, BatchLookupBodySchema, IdempotencyHeadersSchema, MAX_BATCH_TIMEOUT_MS, OperationResultSchema, PartialFailureResponseListingSchema } from './batch.js'
import { BookingSchema } from './booking.js'
import { CalendarDaySchema, ListingSchema } from './listing.js'
import { MessageSchema } from './message.js'
import { CalendarDaysSchema, ListingPageSchema, MessageListSchema } from './page.js'
import { CalendarQuerySchema, ListListingsQuerySchema, ListingParamsSchema, BookingParamsSchema, SearchBookingsQuerySchema } from './query.js'
import { Ref } from './common.js'
import {
  AvailableListingsQuerySchema, BatchBookingUpdateBodySchema, BatchCalendarUpdateBodySchema, BatchMessagesBodySchema, CalendarUpdateResultSchema,
  DryRunResponseSchema, MessageSendResultSchema
} from './writes.js'

/**
 * The arguments and results of the MCP tools (services/mcp/tools.ts), built from the REST routes'
 * own schemas so the two transports accept the same values and name fields alike. Tool arguments
 * are snake_case like the batch bodies and query strings (`listing_id`, not the path's `listingId`).
 *
 * Results are sized for an agent's context: each record kind has a compact field set returned by
 * default where a tool returns many records (`fields: ["*"]` for every field), and a result longer
 * than MCP_RESULT_MAX_CHARS is cut (`truncated` says what was left out and how to get it). So the
 * result schemas describe records whose fields are all optional but the key, other fields passed through.
 */

/** The kinds of record the tools return. */
export type RecordKind = 'listing' | 'booking' | 'day' | 'message'

/** Each kind's key field: always returned, whatever `fields` asks for. */
export const KEY_FIELD: Readonly<Record<RecordKind, string>> = { listing: 'id', booking: 'id', day: 'date', message: 'id' }

/**
 * The fields a tool returns by default for each record of a list, page or batch: what an agent needs
 * to pick items and answer about them (id, name or guest, dates, status, price).
 */
export const COMPACT_FIELDS: Readonly<Record<RecordKind, readonly string[]>> = {
  listing: ['id', 'name', 'city', 'countryCode', 'price', 'currencyCode', 'personCapacity', 'bedroomsNumber'],
  booking: ['id', 'listingMapId', 'guestName', 'arrivalDate', 'departureDate', 'status', 'totalPrice', 'currency'],
  day: ['date', 'isAvailable', 'status', 'price', 'minimumStay'],
  message: ['id', 'isIncoming', 'body', 'insertedOn']
}

const MODELS: Readonly<Record<RecordKind, TObject>> = { listing: ListingSchema, booking: BookingSchema, day: CalendarDaySchema, message: MessageSchema }
const NOUNS: Readonly<Record<RecordKind, string>> = { listing: 'listing', booking: 'reservation', day: 'day', message: 'message' }

/** A field name `fields` may ask for: a Hostaway field name, or `*` for every field. */
export const FIELD_NAME = '^(\\*|[A-Za-z][A-Za-z0-9_]{0,63})$'

/** The `fields` argument: a projection of each record; `defaultAll`: the tool returns every field unless asked. */
function FieldsArg (kind: RecordKind, defaultAll: boolean) {
  return Type.Optional(Type.Array(Type.String({ pattern: FIELD_NAME }), {
    minItems: 1,
    maxItems: 100,
    description: `Fields per ${NOUNS[kind]} (Hostaway names; ${KEY_FIELD[kind]} always). ` +
      (defaultAll ? 'Default: all (["*"]).' : `Default: ${COMPACT_FIELDS[kind].join(', ')}; ["*"]: all.`)
  }))
}

const listingId = ListingParamsSchema.properties.listingId
const bookingId = BookingParamsSchema.properties.bookingId
const args = <P extends TProperties>(properties: P) => Type.Object(properties, { additionalProperties: false })

export const ListListingsArgsSchema = args({ ...ListListingsQuerySchema.properties, fields: FieldsArg('listing', false) })
export const SearchBookingsArgsSchema = args({ ...SearchBookingsQuerySchema.properties, fields: FieldsArg('booking', false) })
export const ListingIdArgsSchema = args({ listing_id: listingId, fields: FieldsArg('listing', true) })
export const BookingIdArgsSchema = args({ booking_id: bookingId, fields: FieldsArg('booking', true) })
export const BookingMessagesArgsSchema = args({ booking_id: bookingId, fields: FieldsArg('message', false) })
export const CalendarArgsSchema = args({ listing_id: listingId, ...CalendarQuerySchema.properties, fields: FieldsArg('day', false) })

/** `timeout_ms` of a batch tool: its default as a value an agent can reason with, not a variable name. */
const TimeoutArg = (defaultMs: number, what: string) => Type.Optional(Type.Integer({
  minimum: 1,
  maximum: MAX_BATCH_TIMEOUT_MS,
  description: `Deadline for the whole batch in ms (1..${MAX_BATCH_TIMEOUT_MS}; default ${defaultMs}): ${what}`
}))

/** The batch-lookup body, with the deadline's default value and `fields`. */
export function BatchLookupArgsSchema (kind: 'listing' | 'booking', maxItems: number, defaultTimeoutMs: number) {
  return args({
    ids: BatchLookupBodySchema(maxItems).properties.ids,
    timeout_ms: TimeoutArg(defaultTimeoutMs, 'items not sent by then fail as unprocessed'),
    fields: FieldsArg(kind, false)
  })
}

/** The batch-update body plus the Idempotency-Key header as an argument (the same rule as the header), and `fields` of the updated listings. */
export function BatchUpdateArgsSchema (maxItems: number, defaultTimeoutMs: number, idempotencyTtlMs: number) {
  const { description: _rest, ...keyRule } = IdempotencyHeadersSchema.properties['idempotency-key']
  const kept = idempotencyTtlMs % 3_600_000 === 0 ? `${idempotencyTtlMs / 3_600_000} h` : `${Math.ceil(idempotencyTtlMs / 1000)} s`
  return args({
    updates: BatchListingUpdateBodySchema(maxItems).properties.updates,
    timeout_ms: TimeoutArg(defaultTimeoutMs, 'a write sent but not answered by then fails as outcome_unknown'),
    idempotency_key: Type.Optional(Type.String({
      ...keyRule,
      description: `Makes the call safe to repeat for ${kept}: the same key and arguments return the stored result, sending nothing; the same key with other arguments, or still running, is refused`
    })),
    fields: FieldsArg('listing', false)
  })
}

const truncationFields = {
  max_chars: Type.Integer({ minimum: 1 }),
  shown: Type.Integer({ minimum: 0, description: 'Records in this result (a batch: successes with their data)' }),
  omitted: Type.Integer({ minimum: 1, description: 'Records left out (a batch: successes whose data is null)' }),
  next_offset: Type.Optional(Type.Integer({ minimum: 0, description: 'Call again with this offset for the rest' })),
  next_start_date: Type.Optional(Type.String({ format: 'date', description: 'Call again from this day for the rest' })),
  data_omitted: Type.Optional(Type.Array(Type.String(), { description: 'Ids of the successes whose data was left out' }))
}
type Next = 'next_offset' | 'next_start_date' | 'data_omitted'
const truncationOptions = { additionalProperties: false, description: 'Present when the result was cut to stay under max_chars' }

/** `truncated` of a tool whose rest is found by the `next` fields only. */
export function TruncationSchema (...next: Next[]) {
  const { max_chars: maxChars, shown, omitted } = truncationFields
  return Type.Object({ max_chars: maxChars, shown, omitted, ...Object.fromEntries(next.map((name) => [name, truncationFields[name]])) }, truncationOptions)
}

/** Every field `truncated` may have (services/mcp/results.ts). */
export const AnyTruncationSchema = Type.Object(truncationFields, truncationOptions)

/**
 * A record as a tool returns it: the model's compact fields, documented, all optional but the key
 * (`fields` may leave any out), every other field passed through.
 */
export function RecordSchema (kind: RecordKind): TSchema {
  const model = MODELS[kind]
  const properties = Object.fromEntries(COMPACT_FIELDS[kind].map((name) => [name, model.properties[name]]))
  return Type.Unsafe({
    type: 'object',
    properties,
    required: [KEY_FIELD[kind]],
    additionalProperties: true,
    description: `A ${NOUNS[kind]} (Hostaway field names): the fields asked for`
  })
}

/** A list of records, under a definition named once (`$defs`). */
function Records (kind: RecordKind, description: string) {
  return Type.Array(Type.Unsafe({ $ref: `#/$defs/${kind}` }), { description })
}

const pageCounts = ListingPageSchema.properties
function PageResultSchema (kind: 'listing' | 'booking') {
  return Type.Object({
    items: Records(kind, `The ${NOUNS[kind]}s of this page`),
    count: Type.Integer({ minimum: 0, description: 'Matches upstream, all pages together' }),
    limit: pageCounts.limit,
    offset: pageCounts.offset,
    truncated: Type.Optional(TruncationSchema('next_offset'))
  }, { additionalProperties: false, $defs: { [kind]: RecordSchema(kind) } })
}

export const ListingPageResultSchema = PageResultSchema('listing')
export const BookingPageResultSchema = PageResultSchema('booking')
export const ListingResultSchema = RecordSchema('listing')
export const BookingResultSchema = RecordSchema('booking')

const { items: _days, ...calendarFields } = CalendarDaysSchema.properties
export const CalendarResultSchema = Type.Object({
  ...calendarFields,
  items: Records('day', 'One entry per day, in date order'),
  truncated: Type.Optional(TruncationSchema('next_start_date'))
}, { additionalProperties: false, $defs: { day: RecordSchema('day') } })

export const MessagesResultSchema = Type.Object({
  items: Records('message', 'Messages of every conversation of the reservation, oldest first'),
  count: MessageListSchema.properties.count,
  truncated: Type.Optional(TruncationSchema())
}, { additionalProperties: false, $defs: { message: RecordSchema('message') } })

/** PartialFailureResponse with records as the tools return them; the item schema is defined once. */
export function BatchResultSchema (kind: 'listing' | 'booking') {
  const { successful: _s, failed: _f, ...counts } = PartialFailureResponseListingSchema.properties
  const item = Type.Unsafe({ $ref: '#/$defs/result' })
  return Type.Object({
    successful: Type.Array(item, { description: 'Items that succeeded, in request order' }),
    failed: Type.Array(item, { description: 'Items that failed, in request order' }),
    ...counts,
    truncated: Type.Optional(TruncationSchema('data_omitted'))
  }, {
    additionalProperties: false,
    description: 'PartialFailureResponse: every item once, in successful or failed',
    $defs: { result: OperationResultSchema(Type.Unsafe({ $ref: `#/$defs/${kind}` })), [kind]: RecordSchema(kind) }
  })
}

/**
 * POST /mcp in the OpenAPI document. The body is not validated by the route: the MCP transport
 * checks JSON-RPC itself and answers malformed messages with the protocol's own errors.
 */
export const McpMessageSchema = Type.Unknown({
  description: 'A JSON-RPC 2.0 message of the Model Context Protocol (initialize, tools/list, tools/call, …)'
})

/** A JSON-RPC answer of the MCP transport (a result, or a protocol error such as -32602). */
export const McpAnswerSchema = Type.Object({
  jsonrpc: Type.Literal('2.0'),
  id: Type.Optional(Type.Union([Type.String(), Type.Number(), Type.Null()])),
  result: Type.Optional(Type.Unknown()),
  error: Type.Optional(Type.Object({
    code: Type.Integer({ description: 'JSON-RPC error code, e.g. -32602 invalid params, -32600 invalid request' }),
    message: Type.String(),
    data: Type.Optional(Type.Unknown())
  }))
}, { description: 'A JSON-RPC 2.0 response of the Model Context Protocol' })

// ── the #23 writes and the availability search ─────────────────────────────────────────────────

/** `dry_run` of a write tool: the plan, nothing sent. */
const DryRunArg = Type.Optional(Type.Boolean({ default: false, description: 'true: check and plan only, send nothing: the answer is what would be sent (items, upstream calls, earliest finish)' }))

function IdempotencyArg (idempotencyTtlMs: number, required: boolean) {
  const { minLength, maxLength, pattern } = IdempotencyHeadersSchema.properties['idempotency-key']
  const kept = idempotencyTtlMs % 3_600_000 === 0 ? `${idempotencyTtlMs / 3_600_000} h` : `${Math.ceil(idempotencyTtlMs / 1000)} s`
  const key = Type.String({
    minLength,
    maxLength,
    pattern,
    description: `${required ? 'Required. ' : ''}Makes the call safe to repeat for ${kept}: the same key and arguments return the stored result, sending nothing; the same key with other arguments, or still running, is refused`
  })
  return required ? key : Type.Optional(key)
}

export function CalendarUpdateArgsSchema (defaultTimeoutMs: number, idempotencyTtlMs: number) {
  return args({
    updates: BatchCalendarUpdateBodySchema.properties.updates,
    timeout_ms: TimeoutArg(defaultTimeoutMs, 'a write sent but not answered by then fails as outcome_unknown'),
    dry_run: DryRunArg,
    idempotency_key: IdempotencyArg(idempotencyTtlMs, false)
  })
}

export function SendMessagesArgsSchema (defaultTimeoutMs: number, idempotencyTtlMs: number) {
  return args({
    messages: BatchMessagesBodySchema.properties.messages,
    timeout_ms: TimeoutArg(defaultTimeoutMs, 'a send not answered by then fails as outcome_unknown; one not started fails as unprocessed'),
    dry_run: DryRunArg,
    idempotency_key: IdempotencyArg(idempotencyTtlMs, true)
  })
}

export function BookingUpdateArgsSchema (maxItems: number, defaultTimeoutMs: number, idempotencyTtlMs: number) {
  return args({
    updates: BatchBookingUpdateBodySchema(maxItems).properties.updates,
    timeout_ms: TimeoutArg(defaultTimeoutMs, 'a write sent but not answered by then fails as outcome_unknown'),
    dry_run: DryRunArg,
    idempotency_key: IdempotencyArg(idempotencyTtlMs, false),
    fields: FieldsArg('booking', false)
  })
}

export const AvailableListingsArgsSchema = args({ ...AvailableListingsQuerySchema.properties, fields: FieldsArg('listing', false) })

/**
 * The result of a write tool: its PartialFailureResponse (each item's `data` as `data` says), or with
 * `dry_run` the DryRunResponse.
 */
export function WriteResultSchema (data: TSchema, dataDefs: Record<string, TSchema> = {}) {
  const { successful: _s, failed: _f, ...counts } = PartialFailureResponseListingSchema.properties
  const item = Type.Unsafe({ $ref: '#/$defs/result' })
  const batch = Type.Object({
    successful: Type.Array(item),
    failed: Type.Array(item),
    ...counts,
    truncated: Type.Optional(TruncationSchema('data_omitted'))
  }, { additionalProperties: false })
  return Type.Unsafe({
    type: 'object',
    anyOf: [batch, Ref(DryRunResponseSchema)],
    description: 'PartialFailureResponse: every item once, in successful or failed; with dry_run, what would be sent (nothing was)',
    $defs: { result: OperationResultSchema(data), ...dataDefs }
  })
}
export const CalendarWriteResultSchema = WriteResultSchema(Ref(CalendarUpdateResultSchema))
export const MessagesWriteResultSchema = WriteResultSchema(Ref(MessageSendResultSchema))
export const BookingsWriteResultSchema = WriteResultSchema(Type.Unsafe({ $ref: '#/$defs/booking' }), { booking: RecordSchema('booking') })
