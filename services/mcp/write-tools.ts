import { BookingUpdateArgsSchema, BatchUpdateArgsSchema, CalendarUpdateArgsSchema, SendMessagesArgsSchema } from '../../schemas/mcp-writes.js'
import { BatchResultSchema, BookingsWriteResultSchema, CalendarWriteResultSchema, MessagesWriteResultSchema } from '../../schemas/mcp-results.js'
import type { createShapes } from './shapes.js'
import { writeSummary } from './shapes.js'
import { batchSummary } from './summaries.js'
import { BATCH, IDEMPOTENCY_REMEDIES, SEND, WRITE, settled, settledWrite, tool, type McpTool } from './tool.js'
import type { McpToolsDeps } from './tools.js'

/**
 * The write tools: listing, calendar and reservation updates, guest messages. Each calls its
 * operation with the `idempotency_key` argument as the REST route's Idempotency-Key header (the same
 * key space), and answers its PartialFailureResponse, or with `dry_run` the plan.
 */
export function createWriteTools ({ operations, maxItems, batchTimeoutMs, idempotencyTtlMs }: McpToolsDeps, shapes: ReturnType<typeof createShapes>): McpTool[] {
  const keyed = (key: string | undefined) => key === undefined ? {} : { idempotencyKey: key }
  return [
    tool({
      ...WRITE,
      name: 'batch_update_listings',
      description: `Change fields (Hostaway names) of 1 to ${maxItems} listings in one call, each listing once. ${BATCH} ` +
        'outcome_unknown: sent, maybe applied (the same values again are safe).',
      input: BatchUpdateArgsSchema(maxItems, batchTimeoutMs, idempotencyTtlMs),
      remedies: IDEMPOTENCY_REMEDIES,
      output: BatchResultSchema('listing'),
      run: async ({ idempotency_key: key, fields: _fields, ...body }, ctx) => {
        const outcome = await operations.batchUpdateListings(body, { ...ctx, ...keyed(key) })
        return { ...outcome, body: settled(outcome.body, ctx) }
      },
      summarize: ({ body, replayed }) => batchSummary(body, { verb: 'Updated', noun: 'listing', tool: 'batch_update_listings', write: true }, replayed),
      shape: ({ body }, args) => shapes.batch('listing', 'batch_get_listings')(body, args)
    }),
    tool({
      ...WRITE,
      name: 'batch_update_calendar',
      description: 'Set price, availability, stay limits, closed on arrival/departure or a note on date ranges of listings (1 to 500). ' +
        `A listing's ranges go upstream in one call; a failed call fails each of them. ${BATCH}`,
      input: CalendarUpdateArgsSchema(batchTimeoutMs, idempotencyTtlMs),
      output: CalendarWriteResultSchema,
      remedies: IDEMPOTENCY_REMEDIES,
      run: async ({ idempotency_key: key, ...body }, ctx) => settledWrite(await operations.batchUpdateCalendar(body, { ...ctx, ...keyed(key) }), ctx),
      summarize: writeSummary({ verb: 'Updated', noun: 'calendar range', tool: 'batch_update_calendar', write: true, items: 'the ranges' }),
      shape: shapes.written(shapes.plain('get_listing_calendar'))
    }),
    tool({
      ...SEND,
      name: 'batch_send_messages',
      description: 'Send a message to the guest of each of 1 to 100 reservations. Never sent twice: one that may have reached Hostaway unanswered ' +
        `fails as outcome_unknown (check get_booking_messages before resending). No conversation: not_found. ${BATCH}`,
      input: SendMessagesArgsSchema(batchTimeoutMs, idempotencyTtlMs),
      output: MessagesWriteResultSchema,
      remedies: IDEMPOTENCY_REMEDIES,
      run: async ({ idempotency_key: key, ...body }, ctx) => settledWrite(await operations.batchSendMessages(body, { ...ctx, idempotencyKey: key }), ctx),
      summarize: writeSummary({ verb: 'Sent', noun: 'message', tool: 'batch_send_messages', write: true, items: 'the messages to booking_id' }),
      shape: shapes.written(shapes.plain('get_booking_messages'))
    }),
    tool({
      ...WRITE,
      name: 'batch_update_bookings',
      description: `Change fields (Hostaway names) of 1 to ${maxItems} reservations in one call, each once: the gateway reads each, merges, writes it back. ${BATCH}`,
      input: BookingUpdateArgsSchema(maxItems, batchTimeoutMs, idempotencyTtlMs),
      output: BookingsWriteResultSchema,
      remedies: IDEMPOTENCY_REMEDIES,
      run: async ({ idempotency_key: key, fields: _fields, ...body }, ctx) => settledWrite(await operations.batchUpdateBookings(body, { ...ctx, ...keyed(key) }), ctx),
      summarize: writeSummary({ verb: 'Updated', noun: 'booking', tool: 'batch_update_bookings', write: true, items: 'the updates of booking_id' }),
      shape: shapes.written((body, args) => shapes.batch('booking', 'batch_get_bookings')(body, args))
    })
  ]
}
