import type { Static, TSchema } from '@sinclair/typebox'
import { BatchLookupBodySchema, PartialFailureResponseBookingSchema, PartialFailureResponseListingSchema } from '../../schemas/batch.js'
import { BookingSchema } from '../../schemas/booking.js'
import { ListingSchema } from '../../schemas/listing.js'
import { BatchUpdateArgsSchema, BookingIdArgsSchema, CalendarArgsSchema, ListingIdArgsSchema } from '../../schemas/mcp.js'
import { BookingPageSchema, CalendarDaysSchema, ListingPageSchema, MessageListSchema } from '../../schemas/page.js'
import { ListListingsQuerySchema, MAX_CALENDAR_DAYS, SearchBookingsQuerySchema } from '../../schemas/query.js'
import type { Scope } from '../auth.js'
import { settleUnserializable } from '../batch-json.js'
import type { PartialFailureResponse } from '../../schemas/batch.js'
import { abortError, linkSignals } from '../hostaway/abort.js'
import type { CallerContext, Operations } from '../operations.js'
import { batchSummary, bookingSummary, calendarSummary, listingSummary, messagesSummary, pageSummary } from './summaries.js'

/** A tool's outcome: the result (`structuredContent`) and the short text an agent reads first. */
export interface ToolOutcome {
  result: Record<string, unknown>
  summary: string
}

/**
 * One MCP tool: its listing (name, description, schemas as TypeBox, the REST routes' own), the API-key
 * scope it needs, and `call`, which runs one operation of services/operations.ts — the same path to
 * Hostaway as the REST route. `args` have been validated against `input` by the MCP server.
 */
export interface McpTool {
  name: string
  title: string
  description: string
  scope: Scope
  readOnly: boolean
  input: TSchema
  output: TSchema
  call: (args: unknown, ctx: CallerContext) => Promise<ToolOutcome>
}

interface ToolSpec<I extends TSchema, R extends object> extends Omit<McpTool, 'input' | 'call'> {
  input: I
  run: (args: Static<I>, ctx: CallerContext) => Promise<R>
  summarize: (result: R, args: Static<I>) => string
  /** what of the operation's answer is the tool's result (default: all of it) */
  structured?: (result: R) => object
}

/** Types a tool by its input schema; the MCP server validates the arguments before `call`. */
function tool<I extends TSchema, R extends object> ({ run, summarize, structured = (r) => r, ...listing }: ToolSpec<I, R>): McpTool {
  return {
    ...listing,
    async call (args, ctx) {
      const typed = args as Static<I>
      const answer = await run(typed, ctx)
      return { result: structured(answer) as Record<string, unknown>, summary: summarize(answer, typed) }
    }
  }
}

const PAGING = 'Returns { items, count, limit, offset }: count is every match upstream; call again with offset = offset + limit for the next page.'
const BATCH = 'A partly failed batch is still a successful call: every id appears exactly once, in successful or failed, each in request order; ' +
  'a failed item carries error_type (not_found, timeout, unprocessed, rate_limit, upstream_error, …), retryable and remediation. ' +
  'Resend only the retryable failed ids (unprocessed ones were never sent). timeout_ms bounds the whole batch.'

const READ = { scope: 'read', readOnly: true } as const

/** A batch result whose items can all be written as JSON: one that cannot fails alone (services/batch-json.ts), never the call. */
function settled<T> (result: PartialFailureResponse<T>, ctx: CallerContext): PartialFailureResponse<T> {
  return settleUnserializable(result, ({ index, operation_id: operationId, error }) => ctx.logger.warn({ index, operation_id: operationId, err: error }, 'batch item not serializable: reported as internal_error'))
}

/** Every tool of the MCP endpoint, each calling one operation (services/operations.ts). */
/**
 * Runs a single-item tool by the deadline of a single-item REST route (`ms`, REQUEST_TIMEOUT_MS,
 * from the call's start): an upstream call whose turn would come too late is refused at once
 * (rate_limit, with the predicted wait), and the work still running at the deadline is aborted
 * (timeout). Batch tools end by their own `timeout_ms`.
 */
async function byDeadline<R> (ctx: CallerContext, ms: number, run: (ctx: CallerContext) => Promise<R>): Promise<R> {
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

export function createMcpTools ({ operations, maxItems, requestTimeoutMs }: { operations: Operations, maxItems: number, requestTimeoutMs: number }): McpTool[] {
  /** Runs a single-item tool's operation by the request deadline. */
  const single = async <R>(ctx: CallerContext, run: (ctx: CallerContext) => Promise<R>) => await byDeadline(ctx, requestTimeoutMs, run)
  return [
    tool({
      ...READ,
      name: 'list_listings',
      title: 'List listings',
      description: `List the properties (Hostaway listings) a page at a time, optionally only those in a city or whose name matches a text. ${PAGING} For known ids use batch_get_listings.`,
      input: ListListingsQuerySchema,
      output: ListingPageSchema,
      run: (args, ctx) => single(ctx, (c) => operations.listListings(args, c)),
      summarize: (page) => pageSummary(page, 'listings')
    }),
    tool({
      ...READ,
      name: 'get_listing',
      title: 'Get a listing',
      description: 'Get one property (Hostaway listing) by id, with Hostaway field names (name, city, address, price, currencyCode, personCapacity, bedroomsNumber, …). ' +
        'An unknown id is an error (not_found). For several ids use batch_get_listings: one call, a report per id.',
      input: ListingIdArgsSchema,
      output: ListingSchema,
      run: (args, ctx) => single(ctx, (c) => operations.getListing(args.listing_id, c)),
      summarize: listingSummary
    }),
    tool({
      ...READ,
      name: 'get_listing_calendar',
      title: 'Get a listing calendar',
      description: `Get the day-by-day calendar of one listing from start_date to end_date (YYYY-MM-DD, both included, at most ${MAX_CALENDAR_DAYS} days): ` +
        'availability (isAvailable 1 = bookable), status, price and minimum stay of each day.',
      input: CalendarArgsSchema,
      output: CalendarDaysSchema,
      run: ({ listing_id: id, ...range }, ctx) => single(ctx, (c) => operations.getListingCalendar(id, range, c)),
      summarize: calendarSummary
    }),
    tool({
      ...READ,
      name: 'search_bookings',
      title: 'Search bookings',
      description: 'Search reservations (bookings), most recently changed first, a page at a time. Filters: listing_id, arrival_from/arrival_to, ' +
        `departure_from/departure_to (YYYY-MM-DD, inclusive), status (new, modified, cancelled, …). ${PAGING}`,
      input: SearchBookingsQuerySchema,
      output: BookingPageSchema,
      run: (args, ctx) => single(ctx, (c) => operations.searchBookings(args, c)),
      summarize: (page) => pageSummary(page, 'bookings')
    }),
    tool({
      ...READ,
      name: 'get_booking',
      title: 'Get a booking',
      description: 'Get one reservation (booking) by id: the listing booked (listingMapId), guest, arrival and departure dates, status, price. ' +
        'An unknown id is an error (not_found). For several ids use batch_get_bookings.',
      input: BookingIdArgsSchema,
      output: BookingSchema,
      run: (args, ctx) => single(ctx, (c) => operations.getBooking(args.booking_id, c)),
      summarize: bookingSummary
    }),
    tool({
      ...READ,
      name: 'get_booking_messages',
      title: 'Get booking messages',
      description: 'Get the guest conversation of one reservation: every message, oldest first (isIncoming 1 = sent by the guest, 0 = by the host).',
      input: BookingIdArgsSchema,
      output: MessageListSchema,
      run: (args, ctx) => single(ctx, (c) => operations.listBookingMessages(args.booking_id, c)),
      summarize: (list, args) => messagesSummary(list, args.booking_id)
    }),
    tool({
      ...READ,
      name: 'batch_get_listings',
      title: 'Look up many listings',
      description: `Look up many listings in one call (1 to ${maxItems} ids; duplicates cost one upstream call). ${BATCH}`,
      input: BatchLookupBodySchema(maxItems),
      output: PartialFailureResponseListingSchema,
      run: async (args, ctx) => settled(await operations.batchGetListings(args, ctx), ctx),
      summarize: (result) => batchSummary(result, { verb: 'Looked up', noun: 'listing', tool: 'batch_get_listings', write: false })
    }),
    tool({
      ...READ,
      name: 'batch_get_bookings',
      title: 'Look up many bookings',
      description: `Look up many reservations (bookings) in one call (1 to ${maxItems} ids; duplicates cost one upstream call). ${BATCH}`,
      input: BatchLookupBodySchema(maxItems),
      output: PartialFailureResponseBookingSchema,
      run: async (args, ctx) => settled(await operations.batchGetBookings(args, ctx), ctx),
      summarize: (result) => batchSummary(result, { verb: 'Looked up', noun: 'booking', tool: 'batch_get_bookings', write: false })
    }),
    tool({
      scope: 'write',
      readOnly: false,
      name: 'batch_update_listings',
      title: 'Update many listings',
      description: `Change fields of many listings in one call (1 to ${maxItems} updates, each listing at most once): each update is { listing_id, ...fields } ` +
        'with Hostaway names: name, price, personCapacity, bedroomsNumber, bathroomsNumber, minNights, maxNights, cleaningFee, description, houseRules. ' +
        `${BATCH} outcome_unknown means the update was sent but not confirmed: it may have been applied (updates are idempotent, resending is safe). ` +
        'Pass an idempotency_key to make the call safe to repeat: the same key with the same arguments returns the first result without sending anything again; ' +
        'the same key with other arguments is refused. Needs an API key with the write scope.',
      input: BatchUpdateArgsSchema(maxItems),
      output: PartialFailureResponseListingSchema,
      run: async ({ idempotency_key: key, ...body }, ctx) => {
        const outcome = await operations.batchUpdateListings(body, { ...ctx, ...(key === undefined ? {} : { idempotencyKey: key }) })
        return { ...outcome, body: settled(outcome.body, ctx) }
      },
      summarize: ({ body, replayed }) => batchSummary(body, { verb: 'Updated', noun: 'listing', tool: 'batch_update_listings', write: true }, replayed),
      structured: ({ body }) => body
    })
  ]
}
