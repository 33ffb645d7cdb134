import { Type, type TObject, type TProperties, type TSchema } from '@sinclair/typebox'
import { BatchLookupBodySchema, MAX_BATCH_TIMEOUT_MS } from './batch.js'
import { BookingSchema } from './booking.js'
import { CalendarDaySchema, ListingSchema } from './listing.js'
import { MessageSchema } from './message.js'
import { CalendarQuerySchema, ListListingsQuerySchema, ListingParamsSchema, BookingParamsSchema, SearchBookingsQuerySchema } from './query.js'

/**
 * The records and read arguments of the MCP tools (services/mcp/tools.ts), built from the REST
 * routes' own schemas so the two transports accept the same values and name fields alike. Tool
 * arguments are snake_case like the batch bodies and query strings (`listing_id`, not the path's
 * `listingId`). The write arguments: schemas/mcp-writes.ts; the results: schemas/mcp-results.ts.
 *
 * Results are sized for an agent's context: each record kind has a compact field set returned by
 * default where a tool returns many records (`fields: ["*"]` for every field), and a result longer
 * than MCP_RESULT_MAX_CHARS is cut (`truncated` says what was left out and how to get it). So a
 * record's schema has its compact fields, all optional but the key, other fields passed through.
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
const NOUN: Readonly<Record<RecordKind, string>> = { listing: 'Listing', booking: 'Reservation', day: 'Day', message: 'Message' }

/** A field name `fields` may ask for: a Hostaway field name, or `*` for every field. */
export const FIELD_NAME = '^(\\*|[A-Za-z]\\w{0,63})$'

/** The `fields` argument: a projection of each record; `defaultAll`: the tool returns every field unless asked. */
export function FieldsArg (kind: RecordKind, defaultAll: boolean) {
  return Type.Optional(Type.Array(Type.String({ pattern: FIELD_NAME }), {
    minItems: 1,
    // the compact set is named by the summary of a result that has it, not in every session's tools/list
    description: `${NOUN[kind]} fields to return (Hostaway names); default ${defaultAll ? 'all' : 'compact, ["*"] all'}`
  }))
}

/** A REST parameter without the description its argument's name says (`listing_id`, `arrival_from`), to keep tools/list short. */
const bare = <T extends TSchema>({ description: _said, ...schema }: T): T => schema as T
const listingId = bare(ListingParamsSchema.properties.listingId)
const bookingId = bare(BookingParamsSchema.properties.bookingId)
const { arrival_from: arrivalFrom, arrival_to: arrivalTo, departure_from: departureFrom, departure_to: departureTo } = SearchBookingsQuerySchema.properties
export const args = <P extends TProperties>(properties: P) => Type.Object(properties, { additionalProperties: false })

export const ListListingsArgsSchema = args({ ...ListListingsQuerySchema.properties, fields: FieldsArg('listing', false) })
export const SearchBookingsArgsSchema = args({
  ...SearchBookingsQuerySchema.properties,
  arrival_from: bare(arrivalFrom),
  arrival_to: bare(arrivalTo),
  departure_from: bare(departureFrom),
  departure_to: bare(departureTo),
  fields: FieldsArg('booking', false)
})
export const ListingIdArgsSchema = args({ listing_id: listingId, fields: FieldsArg('listing', true) })
export const BookingIdArgsSchema = args({ booking_id: bookingId, fields: FieldsArg('booking', true) })
export const BookingMessagesArgsSchema = args({ booking_id: bookingId, fields: FieldsArg('message', false) })
export const CalendarArgsSchema = args({ listing_id: listingId, ...CalendarQuerySchema.properties, fields: FieldsArg('day', false) })

/**
 * `timeout_ms` of a batch tool: its default as a value an agent can reason with, not a variable
 * name (what is left at the deadline fails as unprocessed, or outcome_unknown if sent: the result says).
 */
export const TimeoutArg = (defaultMs: number) => Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_BATCH_TIMEOUT_MS, description: `Deadline, ms (default ${defaultMs})` }))

/** The batch-lookup body, with the deadline's default value and `fields`. */
export function BatchLookupArgsSchema (kind: 'listing' | 'booking', maxItems: number, defaultTimeoutMs: number) {
  return args({
    ids: BatchLookupBodySchema(maxItems).properties.ids,
    timeout_ms: TimeoutArg(defaultTimeoutMs),
    fields: FieldsArg(kind, false)
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
const truncationOptions = { additionalProperties: false, description: 'Present when the result was cut to stay under max_chars' }

/** Every field `truncated` may have (services/mcp/results.ts). */
export const AnyTruncationSchema = Type.Object(truncationFields, truncationOptions)

/**
 * A record as a tool returns it: the model's compact fields, typed, all optional but the key
 * (`fields` may leave any out), every other field passed through.
 */
export function RecordSchema (kind: RecordKind): TSchema {
  const model = MODELS[kind]
  const properties = Object.fromEntries(COMPACT_FIELDS[kind].map((name) => [name, model.properties[name]]))
  return Type.Unsafe({ type: 'object', properties, required: [KEY_FIELD[kind]] })
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
