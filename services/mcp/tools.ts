import type { Static, TSchema } from '@sinclair/typebox'
import type { ToolAnnotations } from '@modelcontextprotocol/server'
import type { PartialFailureResponse } from '../../schemas/batch.js'
import {
  BatchLookupArgsSchema, BatchResultSchema, BatchUpdateArgsSchema, BookingIdArgsSchema, BookingMessagesArgsSchema, BookingPageResultSchema,
  BookingResultSchema, CalendarArgsSchema, CalendarResultSchema, ListListingsArgsSchema, ListingIdArgsSchema, ListingPageResultSchema,
  ListingResultSchema, MessagesResultSchema, SearchBookingsArgsSchema, type RecordKind,
  AvailableListingsArgsSchema, BookingUpdateArgsSchema, BookingsWriteResultSchema, CalendarUpdateArgsSchema, CalendarWriteResultSchema,
  MessagesWriteResultSchema, SendMessagesArgsSchema
} from '../../schemas/mcp.js'
import type { DryRunResponse } from '../../schemas/writes.js'
import type { BookingPage, CalendarDays, ListingPage, MessageList } from '../../schemas/page.js'
import { MAX_CALENDAR_DAYS } from '../../schemas/query.js'
import type { Scope } from '../auth.js'
import { settleUnserializable } from '../batch/json.js'
import { abortError, linkSignals } from '../abort.js'
import type { CallerContext, Operations } from '../operations.js'
import { fieldsNote, fitBatch, fitList, project, selectFields, type Shaped } from './results.js'
import { batchSummary, bookingSummary, calendarSummary, dryRunSummary, listingSummary, messagesSummary, pageSummary } from './summaries.js'

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
  title: string
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

interface ToolSpec<I extends TSchema, R extends object> extends Omit<McpTool, 'input' | 'call'> {
  input: I
  run: (args: Static<I>, ctx: CallerContext) => Promise<R>
  /** the first line(s) an agent reads, from the operation's answer and the result as sized (`shaped`) */
  summarize: (result: R, args: Static<I>, shaped: Record<string, unknown>) => string
  /** the tool's result, sized: projected on `fields`, cut at MCP_RESULT_MAX_CHARS */
  shape: (result: R, args: Static<I>) => Shaped
}

/** Types a tool by its input schema; the MCP server validates the arguments before `call`. */
function tool<I extends TSchema, R extends object> ({ run, summarize, shape, ...listing }: ToolSpec<I, R>): McpTool {
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

const PAGING = 'count is every match upstream; the summary gives the next offset.'
const BATCH = 'A partly failed batch is a successful call: each id once, in successful or failed; a failure has error_type, retryable and remediation, ' +
  'and the summary says what to resend. With a progressToken, each settled id is a progress notification.'

/** Every tool reads or writes Hostaway, an outside system (`openWorldHint`). */
const READ = { scope: 'read', annotations: { readOnlyHint: true, openWorldHint: true } } as const
/**
 * A batch update overwrites fields (destructive); it sets absolute values, so sending the same
 * arguments again leaves the listings as the first call did (idempotent), and an idempotency_key
 * also keeps the repeat from being sent upstream again.
 */
const WRITE = { scope: 'write', annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true } } as const

/** A calendar or reservation batch update sets absolute values: destructive, and the same arguments again leave Hostaway as the first call did. */
const WRITE_AGAIN_SAFE = WRITE
/**
 * Sending messages: not destructive (nothing is overwritten) and not idempotent (a second send is a
 * second message to the guest: the gateway never resends on its own, and the idempotency_key
 * replays a repeat instead of sending it).
 */
const SEND = { scope: 'messages', annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true } } as const

/** The answer of a write operation: a batch (replayed or not), or a dry run. */
type WriteOutcome<T> = { replayed: boolean, body: PartialFailureResponse<T> } | { dryRun: DryRunResponse }

const IDEMPOTENCY_REMEDIES = {
  409: 'The first call with this idempotency_key is still running: call again later with the same arguments to get its result.',
  422: 'An idempotency_key stands for the arguments it was first used with: use a new key for other arguments, or send the same arguments again to get the stored result.'
}

/** A batch result whose items can all be written as JSON: one that cannot fails alone (services/batch-json.ts), never the call. */
function settled<T> (result: PartialFailureResponse<T>, ctx: CallerContext): PartialFailureResponse<T> {
  return settleUnserializable(result, ({ index, operation_id: operationId, error }) => ctx.logger.warn({ index, operation_id: operationId, err: error }, 'batch item not serializable: reported as internal_error'))
}

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

/** Every tool of the MCP endpoint, each calling one operation (services/operations.ts). */
export function createMcpTools ({ operations, maxItems, requestTimeoutMs, batchTimeoutMs, maxChars, idempotencyTtlMs }: McpToolsDeps): McpTool[] {
  /** Runs a single-item tool's operation by the request deadline. */
  const single = async <R>(ctx: CallerContext, run: (ctx: CallerContext) => Promise<R>) => await byDeadline(ctx, requestTimeoutMs, run)

  /** A single record projected on `fields` (every field by default); never cut. */
  const record = (kind: RecordKind) => (value: object, { fields }: { fields?: string[] }): Shaped => {
    const result = project(value, selectFields(kind, fields, true)) as Record<string, unknown>
    return { result, json: JSON.stringify(result), notes: [] }
  }

  /** A page of records projected (the compact set by default) and cut at maxChars: the rest from the next offset. */
  const page = (kind: RecordKind, noun: string, name: string) =>
    (value: { items: readonly object[], offset: number }, { fields }: { fields?: string[] }): Shaped => {
      const keep = selectFields(kind, fields, false)
      const shaped = fitList({ ...value, items: value.items.map((item) => project(item, keep)) }, maxChars, noun, (omitted, kept) => ({
        fields: { next_offset: value.offset + kept.length },
        hint: `Call ${name} again with offset ${value.offset + kept.length} for the other ${omitted.length}, or ask for fewer fields.`
      }))
      return { ...shaped, notes: [...fieldsNote(kind, fields, false), ...shaped.notes] }
    }

  /** A batch with each success's data projected (the compact set by default); past maxChars the data of the last successes is left out. */
  const batch = (kind: 'listing' | 'booking', lookup: string) =>
    (value: PartialFailureResponse<unknown>, { fields }: { fields?: string[] }): Shaped => {
      const keep = selectFields(kind, fields, false)
      const projected = { ...value, successful: value.successful.map((item) => item.data === null ? item : { ...item, data: project(item.data, keep) }) }
      const shaped = fitBatch(projected, maxChars, (ids) => `Look them up with ${lookup} (ids ${ids.join(', ')}) or ask for fewer fields.`)
      return { ...shaped, notes: [...fieldsNote(kind, fields, false), ...shaped.notes] }
    }

  /** A write's answer, sized: a dry run as it is; a batch with its data projected (bookings) and cut at maxChars. */
  const written = <T>(shapeBatch: (body: PartialFailureResponse<T>, args: { fields?: string[] }) => Shaped) => (outcome: WriteOutcome<T>, args: object): Shaped => {
    if ('dryRun' in outcome) return { result: outcome.dryRun as unknown as Record<string, unknown>, json: JSON.stringify(outcome.dryRun), notes: [] }
    return shapeBatch(outcome.body, args as { fields?: string[] })
  }
  const plain = (lookup: string) => (body: PartialFailureResponse<unknown>): Shaped => fitBatch(body, maxChars, (ids) => `Look them up with ${lookup} (ids ${ids.join(', ')}).`)
  const writeSummary = <T>(wording: Parameters<typeof batchSummary>[1]) => (outcome: WriteOutcome<T>): string =>
    'dryRun' in outcome ? dryRunSummary(outcome.dryRun) : batchSummary(outcome.body, wording, outcome.replayed)
  const settledWrite = <T>(outcome: WriteOutcome<T>, ctx: CallerContext): WriteOutcome<T> => 'dryRun' in outcome ? outcome : { ...outcome, body: settled(outcome.body, ctx) }

  return [
    tool({
      ...READ,
      name: 'list_listings',
      title: 'List listings',
      description: `List the properties (Hostaway listings) a page at a time, optionally only those in a city or whose name matches a text. ${PAGING} For known ids use batch_get_listings.`,
      input: ListListingsArgsSchema,
      output: ListingPageResultSchema,
      run: ({ fields: _fields, ...query }, ctx) => single(ctx, (c) => operations.listListings(query, c)),
      summarize: (_page, _args, shaped) => pageSummary(shaped as ListingPage, 'listings'),
      shape: page('listing', 'listings', 'list_listings')
    }),
    tool({
      ...READ,
      name: 'get_listing',
      title: 'Get a listing',
      description: 'Get one property (Hostaway listing) by id, every field (name, city, address, price, currencyCode, personCapacity, …). ' +
        'An unknown id is an error (not_found). For several ids use batch_get_listings.',
      input: ListingIdArgsSchema,
      output: ListingResultSchema,
      run: (args, ctx) => single(ctx, (c) => operations.getListing(args.listing_id, c)),
      summarize: listingSummary,
      shape: record('listing')
    }),
    tool({
      ...READ,
      name: 'get_listing_calendar',
      title: 'Get a listing calendar',
      description: `Get the day-by-day calendar of one listing from start_date to end_date (YYYY-MM-DD, both included, at most ${MAX_CALENDAR_DAYS} days): ` +
        'availability (isAvailable 1 = bookable), status, price and minimum stay of each day.',
      input: CalendarArgsSchema,
      output: CalendarResultSchema,
      run: ({ listing_id: id, fields: _fields, ...range }, ctx) => single(ctx, (c) => operations.getListingCalendar(id, range, c)),
      summarize: calendarSummary,
      shape: (days: CalendarDays, { fields }) => {
        const keep = selectFields('day', fields, false)
        const shaped = fitList({ ...days, items: days.items.map((day) => project(day, keep)) }, maxChars, 'days', (omitted) => {
          const next = (omitted[0] as { date: string }).date
          return { fields: { next_start_date: next }, hint: `Call get_listing_calendar again with start_date ${next} for the other ${omitted.length}, or ask for fewer fields.` }
        })
        return { ...shaped, notes: [...fieldsNote('day', fields, false), ...shaped.notes] }
      }
    }),
    tool({
      ...READ,
      name: 'search_bookings',
      title: 'Search bookings',
      description: 'Search reservations (bookings), most recently changed first, a page at a time. Filters: listing_id, arrival_from/arrival_to, ' +
        `departure_from/departure_to (YYYY-MM-DD, inclusive), status (new, modified, cancelled, …). ${PAGING}`,
      input: SearchBookingsArgsSchema,
      output: BookingPageResultSchema,
      run: ({ fields: _fields, ...query }, ctx) => single(ctx, (c) => operations.searchBookings(query, c)),
      summarize: (_page, _args, shaped) => pageSummary(shaped as BookingPage, 'bookings'),
      shape: page('booking', 'bookings', 'search_bookings')
    }),
    tool({
      ...READ,
      name: 'get_booking',
      title: 'Get a booking',
      description: 'Get one reservation (booking) by id, every field: the listing booked (listingMapId), guest, dates, status, price, … ' +
        'An unknown id is an error (not_found). For several ids use batch_get_bookings.',
      input: BookingIdArgsSchema,
      output: BookingResultSchema,
      run: (args, ctx) => single(ctx, (c) => operations.getBooking(args.booking_id, c)),
      summarize: bookingSummary,
      shape: record('booking')
    }),
    tool({
      ...READ,
      name: 'get_booking_messages',
      title: 'Get booking messages',
      description: 'Get the guest conversation of one reservation: every message, oldest first (isIncoming 1 = sent by the guest, 0 = by the host). ' +
        'A conversation too long for one result keeps its newest messages.',
      input: BookingMessagesArgsSchema,
      output: MessagesResultSchema,
      run: (args, ctx) => single(ctx, (c) => operations.listBookingMessages(args.booking_id, c)),
      summarize: (list, args) => messagesSummary(list, args.booking_id),
      shape: (list: MessageList, { fields }) => {
        const keep = selectFields('message', fields, false)
        const shaped = fitList({ ...list, items: list.items.map((message) => project(message, keep)) }, maxChars, 'messages',
          (omitted) => ({ fields: {}, hint: `The ${omitted.length} oldest were left out; ask for fewer fields (e.g. ["body", "isIncoming"]) to see more.` }), 'last')
        return { ...shaped, notes: [...fieldsNote('message', fields, false), ...shaped.notes] }
      }
    }),
    tool({
      ...READ,
      name: 'batch_get_listings',
      title: 'Look up many listings',
      description: `Look up many listings in one call (1 to ${maxItems} ids; duplicates cost one upstream call). ${BATCH}`,
      input: BatchLookupArgsSchema('listing', maxItems, batchTimeoutMs),
      output: BatchResultSchema('listing'),
      run: async ({ fields: _fields, ...body }, ctx) => settled(await operations.batchGetListings(body, ctx), ctx),
      summarize: (result) => batchSummary(result, { verb: 'Looked up', noun: 'listing', tool: 'batch_get_listings', write: false }),
      shape: batch('listing', 'batch_get_listings')
    }),
    tool({
      ...READ,
      name: 'batch_get_bookings',
      title: 'Look up many bookings',
      description: `Look up many reservations (bookings) in one call (1 to ${maxItems} ids; duplicates cost one upstream call). ${BATCH}`,
      input: BatchLookupArgsSchema('booking', maxItems, batchTimeoutMs),
      output: BatchResultSchema('booking'),
      run: async ({ fields: _fields, ...body }, ctx) => settled(await operations.batchGetBookings(body, ctx), ctx),
      summarize: (result) => batchSummary(result, { verb: 'Looked up', noun: 'booking', tool: 'batch_get_bookings', write: false }),
      shape: batch('booking', 'batch_get_bookings')
    }),
    tool({
      ...WRITE,
      name: 'batch_update_listings',
      title: 'Update many listings',
      description: `Change fields of many listings in one call (1 to ${maxItems} updates, each listing at most once): each update is { listing_id, ...fields } ` +
        'with Hostaway names: name, price, personCapacity, bedroomsNumber, bathroomsNumber, minNights, maxNights, cleaningFee, description, houseRules. ' +
        `${BATCH} outcome_unknown: sent, not confirmed, maybe applied (resending the same values is safe). Needs the write scope.`,
      input: BatchUpdateArgsSchema(maxItems, batchTimeoutMs, idempotencyTtlMs),
      remedies: {
        409: 'The first call with this idempotency_key is still running: call again later with the same arguments to get its result.',
        422: 'An idempotency_key stands for the arguments it was first used with: use a new key for other arguments, or send the same arguments again to get the stored result.'
      },
      output: BatchResultSchema('listing'),
      run: async ({ idempotency_key: key, fields: _fields, ...body }, ctx) => {
        const outcome = await operations.batchUpdateListings(body, { ...ctx, ...(key === undefined ? {} : { idempotencyKey: key }) })
        return { ...outcome, body: settled(outcome.body, ctx) }
      },
      summarize: ({ body, replayed }) => batchSummary(body, { verb: 'Updated', noun: 'listing', tool: 'batch_update_listings', write: true }, replayed),
      shape: ({ body }, args) => batch('listing', 'batch_get_listings')(body, args)
    }),
    tool({
      ...READ,
      name: 'search_available_listings',
      title: 'Search available listings',
      description: 'List the properties free on every night from start_date to end_date (YYYY-MM-DD, both nights included; the departure is the day after) ' +
        `that hold at least guests, a page at a time (Hostaway's own availability filter). ${PAGING}`,
      input: AvailableListingsArgsSchema,
      output: ListingPageResultSchema,
      run: ({ fields: _fields, ...query }, ctx) => single(ctx, (c) => operations.searchAvailableListings(query, c)),
      summarize: (_page, _args, shaped) => pageSummary(shaped as ListingPage, 'available listings'),
      shape: page('listing', 'listings', 'search_available_listings')
    }),
    tool({
      ...WRITE_AGAIN_SAFE,
      name: 'batch_update_calendar',
      title: 'Update calendars of many listings',
      description: 'Set price, availability (is_available false blocks), minimum_stay/maximum_stay, closed_on_arrival/departure or a note on date ranges of many listings ' +
        '(1 to 500 updates, each { listing_id, start_date, end_date, ...fields }, dates YYYY-MM-DD, both included, at most 2 years ahead). ' +
        'Two ranges of one listing that share a day are both refused. The ranges of a listing go upstream in one call; a call that fails fails each of its ranges. ' +
        `dry_run: true checks and plans, sends nothing. ${BATCH} Needs the write scope.`,
      input: CalendarUpdateArgsSchema(batchTimeoutMs, idempotencyTtlMs),
      output: CalendarWriteResultSchema,
      remedies: IDEMPOTENCY_REMEDIES,
      run: async ({ idempotency_key: key, ...body }, ctx) => settledWrite(await operations.batchUpdateCalendar(body, { ...ctx, ...(key === undefined ? {} : { idempotencyKey: key }) }), ctx),
      summarize: writeSummary({ verb: 'Updated', noun: 'calendar range', tool: 'batch_update_calendar', write: true, items: 'the ranges' }),
      shape: written(plain('get_listing_calendar'))
    }),
    tool({
      ...SEND,
      name: 'batch_send_messages',
      title: 'Send messages to guests',
      description: 'Send a message to the guest of each of many reservations (1 to 100, each { booking_id, body, communication_type? }); idempotency_key is required. ' +
        'A message is never sent twice: one that may have reached Hostaway without an answer fails as outcome_unknown — check the conversation (get_booking_messages) before resending it. ' +
        `A reservation without a conversation fails alone as not_found. dry_run: true checks and plans, sends nothing. ${BATCH} Needs the messages scope.`,
      input: SendMessagesArgsSchema(batchTimeoutMs, idempotencyTtlMs),
      output: MessagesWriteResultSchema,
      remedies: IDEMPOTENCY_REMEDIES,
      run: async ({ idempotency_key: key, ...body }, ctx) => settledWrite(await operations.batchSendMessages(body, { ...ctx, idempotencyKey: key }), ctx),
      summarize: writeSummary({ verb: 'Sent', noun: 'message', tool: 'batch_send_messages', write: true, items: 'the messages to booking_id' }),
      shape: written(plain('get_booking_messages'))
    }),
    tool({
      ...WRITE_AGAIN_SAFE,
      name: 'batch_update_bookings',
      title: 'Update many bookings',
      description: `Change fields of many reservations in one call (1 to ${maxItems} updates, each booking at most once): each update is { booking_id, ...fields } with Hostaway names: ` +
        'guestName, guestEmail, phone, numberOfGuests, adults, children, arrivalDate, departureDate, checkInTime, checkOutTime, hostNote, guestNote, comment, doorCode, … ' +
        `The gateway reads each reservation, merges the fields and writes it back. dry_run: true checks and plans, sends nothing. ${BATCH} Needs the write scope.`,
      input: BookingUpdateArgsSchema(maxItems, batchTimeoutMs, idempotencyTtlMs),
      output: BookingsWriteResultSchema,
      remedies: IDEMPOTENCY_REMEDIES,
      run: async ({ idempotency_key: key, fields: _fields, ...body }, ctx) => settledWrite(await operations.batchUpdateBookings(body, { ...ctx, ...(key === undefined ? {} : { idempotencyKey: key }) }), ctx),
      summarize: writeSummary({ verb: 'Updated', noun: 'booking', tool: 'batch_update_bookings', write: true, items: 'the updates of booking_id' }),
      shape: written((body, args) => batch('booking', 'batch_get_bookings')(body, args))
    })
  ]
}
