import { Type } from '@sinclair/typebox'
import { BatchListingUpdateBodySchema, IdempotencyHeadersSchema } from './batch.js'
import { CalendarQuerySchema, ListingParamsSchema, BookingParamsSchema } from './query.js'

/**
 * The arguments of the MCP tools (services/mcp/tools.ts) that have no REST body of their own, built
 * from the REST routes' own schemas so the two transports accept the same values. Tool arguments
 * are snake_case like the batch bodies and query strings (`listing_id`, not the path's `listingId`).
 * The other tools take the REST schemas unchanged (ListListingsQuery, SearchBookingsQuery,
 * BatchLookupRequest).
 */

const listingId = ListingParamsSchema.properties.listingId
const bookingId = BookingParamsSchema.properties.bookingId

export const ListingIdArgsSchema = Type.Object({ listing_id: listingId }, { additionalProperties: false })

export const BookingIdArgsSchema = Type.Object({ booking_id: bookingId }, { additionalProperties: false })

export const CalendarArgsSchema = Type.Object({
  listing_id: listingId,
  ...CalendarQuerySchema.properties
}, { additionalProperties: false })

/** The batch-update body plus the Idempotency-Key header as an argument (the same rule as the header). */
export function BatchUpdateArgsSchema (maxItems: number) {
  const body = BatchListingUpdateBodySchema(maxItems)
  return Type.Object({
    ...body.properties,
    idempotency_key: IdempotencyHeadersSchema.properties['idempotency-key']
  }, { additionalProperties: false })
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
