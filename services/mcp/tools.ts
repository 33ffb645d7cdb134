import {
  BatchLookupArgsSchema, BookingIdArgsSchema, BookingMessagesArgsSchema, CalendarArgsSchema, ListListingsArgsSchema, ListingIdArgsSchema, SearchBookingsArgsSchema
} from '../../schemas/mcp.js'
import {
  BatchResultSchema, BookingPageResultSchema, BookingResultSchema, CalendarResultSchema, ListingPageResultSchema, ListingResultSchema, MessagesResultSchema
} from '../../schemas/mcp-results.js'
import { AvailableListingsArgsSchema } from '../../schemas/mcp-writes.js'
import type { BookingPage, CalendarDays, ListingPage, MessageList } from '../../schemas/page.js'
import { MAX_CALENDAR_DAYS } from '../../schemas/query.js'
import type { CallerContext, Operations } from '../operations.js'
import { createShapes } from './shapes.js'
import { batchSummary, bookingSummary, calendarSummary, listingSummary, messagesSummary, pageSummary } from './summaries.js'
import { BATCH, PAGING, READ, byDeadline, settled, tool, type McpTool } from './tool.js'
import { createWriteTools } from './write-tools.js'

export { byDeadline, type McpTool, type ToolOutcome } from './tool.js'

export interface McpToolsDeps {
  operations: Operations
  /** BATCH_MAX_ITEMS */
  maxItems: number
  /** REQUEST_TIMEOUT_MS: the deadline of a single-item tool */
  requestTimeoutMs: number
  /** BATCH_TIMEOUT_MS: the deadline of a batch tool called without timeout_ms */
  batchTimeoutMs: number
  /** MCP_RESULT_MAX_CHARS: the longest JSON of a result before it is cut */
  maxChars: number
  /** BATCH_IDEMPOTENCY_TTL_MS: how long an idempotency_key replays */
  idempotencyTtlMs: number
}

/**
 * Every tool of the MCP endpoint, each calling one operation (services/operations.ts): the reads
 * here, the writes in services/mcp/write-tools.ts.
 */
export function createMcpTools (deps: McpToolsDeps): McpTool[] {
  const { operations, maxItems, requestTimeoutMs, batchTimeoutMs, maxChars } = deps
  const shapes = createShapes(maxChars)
  /** Runs a single-item tool's operation by the request deadline. */
  const single = async <R>(ctx: CallerContext, run: (ctx: CallerContext) => Promise<R>) => await byDeadline(ctx, requestTimeoutMs, run)
  const [updateListings, ...writes] = createWriteTools(deps, shapes)

  return [
    tool({
      ...READ,
      name: 'list_listings',
      description: `List properties (Hostaway listings) a page at a time, optionally by city or name. ${PAGING}`,
      input: ListListingsArgsSchema,
      output: ListingPageResultSchema,
      run: ({ fields: _fields, ...query }, ctx) => single(ctx, (c) => operations.listListings(query, c)),
      summarize: (_page, _args, shaped) => pageSummary(shaped as ListingPage, 'listings'),
      shape: shapes.page('listing', 'listings', 'list_listings')
    }),
    tool({
      ...READ,
      name: 'get_listing',
      description: 'Get one property (Hostaway listing) by id: name, address, price, capacity, … An unknown id is an error (not_found). Several: batch_get_listings.',
      input: ListingIdArgsSchema,
      output: ListingResultSchema,
      run: (args, ctx) => single(ctx, (c) => operations.getListing(args.listing_id, c)),
      summarize: listingSummary,
      shape: shapes.record('listing')
    }),
    tool({
      ...READ,
      name: 'get_listing_calendar',
      description: `Get the calendar of one listing, start_date to end_date (both included, at most ${MAX_CALENDAR_DAYS} days): ` +
        'availability (isAvailable 1 = bookable), status, price and minimum stay of each day.',
      input: CalendarArgsSchema,
      output: CalendarResultSchema,
      run: ({ listing_id: id, fields: _fields, ...range }, ctx) => single(ctx, (c) => operations.getListingCalendar(id, range, c)),
      summarize: calendarSummary,
      shape: shapes.list<CalendarDays>('day', 'days', (omitted) => {
        const next = (omitted[0] as { date: string }).date
        return { fields: { next_start_date: next }, hint: `Call get_listing_calendar again with start_date ${next} for the other ${omitted.length}, or ask for fewer fields.` }
      })
    }),
    tool({
      ...READ,
      name: 'search_bookings',
      description: `Search reservations (bookings), most recently changed first, a page at a time, by listing, arrival or departure day (inclusive) and status. ${PAGING}`,
      input: SearchBookingsArgsSchema,
      output: BookingPageResultSchema,
      run: ({ fields: _fields, ...query }, ctx) => single(ctx, (c) => operations.searchBookings(query, c)),
      summarize: (_page, _args, shaped) => pageSummary(shaped as BookingPage, 'bookings'),
      shape: shapes.page('booking', 'bookings', 'search_bookings')
    }),
    tool({
      ...READ,
      name: 'get_booking',
      description: 'Get one reservation (booking) by id: listingMapId, guest, dates, status, price, … An unknown id is an error (not_found). Several: batch_get_bookings.',
      input: BookingIdArgsSchema,
      output: BookingResultSchema,
      run: (args, ctx) => single(ctx, (c) => operations.getBooking(args.booking_id, c)),
      summarize: bookingSummary,
      shape: shapes.record('booking')
    }),
    tool({
      ...READ,
      name: 'get_booking_messages',
      description: 'Get the guest conversation of one reservation, oldest first (isIncoming 1 = from the guest, 0 = from the host); ' +
        'one too long for a result keeps its newest messages.',
      input: BookingMessagesArgsSchema,
      output: MessagesResultSchema,
      run: (args, ctx) => single(ctx, (c) => operations.listBookingMessages(args.booking_id, c)),
      summarize: (list, args) => messagesSummary(list, args.booking_id),
      shape: shapes.list<MessageList>('message', 'messages',
        (omitted) => ({ fields: {}, hint: `The ${omitted.length} oldest were left out; ask for fewer fields (e.g. ["body", "isIncoming"]) to see more.` }), 'last')
    }),
    tool({
      ...READ,
      name: 'batch_get_listings',
      description: `Look up 1 to ${maxItems} listings by id in one call. ${BATCH}`,
      input: BatchLookupArgsSchema('listing', maxItems, batchTimeoutMs),
      output: BatchResultSchema('listing'),
      run: async ({ fields: _fields, ...body }, ctx) => settled(await operations.batchGetListings(body, ctx), ctx),
      summarize: (result) => batchSummary(result, { verb: 'Looked up', noun: 'listing', tool: 'batch_get_listings', write: false }),
      shape: shapes.batch('listing', 'batch_get_listings')
    }),
    tool({
      ...READ,
      name: 'batch_get_bookings',
      description: `Look up 1 to ${maxItems} reservations (bookings) by id in one call. ${BATCH}`,
      input: BatchLookupArgsSchema('booking', maxItems, batchTimeoutMs),
      output: BatchResultSchema('booking'),
      run: async ({ fields: _fields, ...body }, ctx) => settled(await operations.batchGetBookings(body, ctx), ctx),
      summarize: (result) => batchSummary(result, { verb: 'Looked up', noun: 'booking', tool: 'batch_get_bookings', write: false }),
      shape: shapes.batch('booking', 'batch_get_bookings')
    }),
    updateListings,
    tool({
      ...READ,
      name: 'search_available_listings',
      description: 'List properties free every night from start_date to end_date (both included; departure the day after) for at least guests, ' +
        `a page at a time. ${PAGING}`,
      input: AvailableListingsArgsSchema,
      output: ListingPageResultSchema,
      run: ({ fields: _fields, ...query }, ctx) => single(ctx, (c) => operations.searchAvailableListings(query, c)),
      summarize: (_page, _args, shaped) => pageSummary(shaped as ListingPage, 'available listings'),
      shape: shapes.page('listing', 'listings', 'search_available_listings')
    }),
    ...writes
  ]
}
