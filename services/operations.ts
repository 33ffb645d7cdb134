import { httpErrors } from '@fastify/sensible'
import type { FastifyBaseLogger } from 'fastify'
import type { BatchListingUpdateBody, BatchLookupBody, PartialFailureResponse } from '../schemas/batch.js'
import type { Booking } from '../schemas/booking.js'
import type { Listing } from '../schemas/listing.js'
import type { BookingPage, CalendarDays, ListingPage, MessageList } from '../schemas/page.js'
import { MAX_CALENDAR_DAYS, daysInRange, type CalendarQuery, type ListListingsQuery, type SearchBookingsQuery } from '../schemas/query.js'
import { listingUpdateEntries, type AuditTrail } from './audit.js'
import { OPEN_CALLER, type Caller } from './auth.js'
import { unfinished, unsentResult } from './batch/results.js'
import { eachOf, type BatchRunner } from './batch/run.js'
import { batchOptions, knownResults, shareOf, type JobHooks } from './batch/options.js'
import { GatewayError } from './errors.js'
import { clientGone } from './abort.js'
import type { HostawayClient } from './hostaway/client.js'
import type { CallOptions } from './seams.js'
import { withIdempotency, type IdempotencyStore, type RunOutcome } from './idempotency.js'
import { listReservationMessages } from './messages.js'
import { redactItems, redactResults, visibleTo } from './secrets.js'
import type { Telemetry } from './telemetry.js'
import { brokenUpdateRule } from './update-rules.js'
import type { AvailableListingsQuery, BatchBookingUpdateBody, BatchCalendarUpdateBody, BatchMessagesBody } from '../schemas/writes.js'
import { searchAvailableListings } from './writes/run-available.js'
import { bookingWrites } from './writes/run-bookings.js'
import { calendarWrites } from './writes/run-calendar.js'
import { messageWrites } from './writes/run-messages.js'
import { counted } from './writes/run-common.js'

/** Who asks, and how to give up: what every operation receives from its transport (REST route or MCP tool). */
export interface CallerContext {
  logger: Pick<FastifyBaseLogger, 'warn'>
  /**
   * Aborts the operation's pending upstream work (limiter waits, backoff sleeps, requests in
   * flight): the caller disconnected, its deadline passed, or the gateway is shutting down. The
   * abort reason's message says which; a batch reports its pending items as at its own deadline.
   */
  signal?: AbortSignal
  /** who asks: scopes its Idempotency-Keys (and what it may see) */
  caller: Caller
  /** the request id, for the audit log of writes */
  requestId?: string
  /**
   * Whose fair share of the upstream rate budget the operation uses: the API key's id, or
   * `ip:<address>` when the API is open (default: `caller.id`).
   */
  share?: string
  /**
   * When the operation must be answered by (ms, `performance.now()` clock): REQUEST_TIMEOUT_MS of a
   * single-item route. Upstream calls whose turn would come too late are refused at once (503
   * `rate_limit`, Retry-After). A batch has its own deadline (`timeout_ms`).
   */
  deadline?: number
  /** Told as each item of a batch settles (how many have, of how many): the MCP tools' progress notifications. */
  progress?: (settled: number, total: number) => void
  /** The batch runs as a job (services/jobs/): no deadline, a checkpoint, a gate before each item. */
  job?: JobHooks
}

export interface OperationsDeps {
  hostaway: HostawayClient
  runBatch: BatchRunner
  idempotency: IdempotencyStore
  /** how long Idempotency-Key results are kept (ms) */
  idempotencyTtlMs: number
  /** reports the outcome of each batch item that ran */
  telemetry: Pick<Telemetry, 'batchItem'>
  /** one line per item of every batch update */
  audit: AuditTrail
  /** the clock (ms since the epoch) of the #23 writes: today for the calendar rules, a dry run's finish time */
  now?: () => number
}

export type Operations = ReturnType<typeof createOperations>

/** Where a batch update's Idempotency-Keys live: the REST route's path, whichever transport calls it. */
const UPDATE_KEY_SPACE = { method: 'PATCH', path: '/api/listings/batch' }

/** "querystring/end_date must not be before start_date": the checks a schema cannot express. */
function checkDateOrder (from: string | undefined, to: string | undefined, names: [string, string]): void {
  if (from !== undefined && to !== undefined && to < from) throw httpErrors.badRequest(`querystring/${names[1]} must not be before ${names[0]}`)
}

/** An update item that breaks a per-item rule: it fails alone, never sent (`attempts: 0`). */
function ruleError (index: number, rule: string): GatewayError {
  return GatewayError.invalid(`updates/${index}/${rule}`)
}

/**
 * Every operation the gateway offers, in one place, so the REST routes and the MCP tools take the
 * same path to Hostaway (cache, limiter, retries, batch, idempotency). Cross-field rules a schema
 * cannot express are checked here (400 naming the field); schemas check the rest before this.
 * Listings and reservations leave here without their secret fields unless the caller has the
 * `secrets` scope (services/secrets.ts), whatever the operation.
 */
export function createOperations ({ hostaway, runBatch, idempotency, idempotencyTtlMs, telemetry, audit, now }: OperationsDeps) {
  // the #23 writes: their engine-facing code lives in services/writes/run-*.ts
  const writeDeps = { hostaway, runBatch, idempotency, idempotencyTtlMs, telemetry, audit, now }
  const calendar = calendarWrites(writeDeps)
  const messages = messageWrites(writeDeps)
  const bookings = bookingWrites(writeDeps)
  /** A single-item operation's upstream calls: the caller's signal, fair share and deadline. */
  const single = (ctx: CallerContext): CallOptions => ({ signal: ctx.signal, admission: { share: shareOf(ctx), lane: 'single', deadline: ctx.deadline } })

  return {
    async listListings (query: ListListingsQuery, ctx: CallerContext): Promise<ListingPage> {
      return redactItems(await hostaway.listListings(query, single(ctx)), visibleTo(ctx.caller).listing)
    },

    async getListing (id: number, ctx: CallerContext): Promise<Listing> {
      return visibleTo(ctx.caller).listing(await hostaway.getListing(id, single(ctx)))
    },

    async getListingCalendar (id: number, query: CalendarQuery, ctx: CallerContext): Promise<CalendarDays> {
      const { start_date: start, end_date: end } = query
      checkDateOrder(start, end, ['start_date', 'end_date'])
      if (daysInRange(start, end) > MAX_CALENDAR_DAYS) {
        throw httpErrors.badRequest(`querystring/end_date must be at most ${MAX_CALENDAR_DAYS} days from start_date (both included)`)
      }
      const days = await hostaway.getListingCalendar(id, query, single(ctx))
      return { listing_id: id, start_date: start, end_date: end, count: days.length, items: days }
    },

    async searchBookings (query: SearchBookingsQuery, ctx: CallerContext): Promise<BookingPage> {
      checkDateOrder(query.arrival_from, query.arrival_to, ['arrival_from', 'arrival_to'])
      checkDateOrder(query.departure_from, query.departure_to, ['departure_from', 'departure_to'])
      return redactItems(await hostaway.searchReservations(query, single(ctx)), visibleTo(ctx.caller).booking)
    },

    async getBooking (id: number, ctx: CallerContext): Promise<Booking> {
      return visibleTo(ctx.caller).booking(await hostaway.getReservation(id, single(ctx)))
    },

    listBookingMessages (id: number, ctx: CallerContext): Promise<MessageList> {
      return listReservationMessages(hostaway, id, single(ctx))
    },

    /**
     * Every position reported (PartialFailureResponse); the distinct ids are planned together
     * (cache, list pages, then one GET per id left: hostaway/lookups.ts).
     */
    async batchGetListings ({ ids, timeout_ms: timeoutMs }: BatchLookupBody, ctx: CallerContext): Promise<PartialFailureResponse<Listing>> {
      const { response } = await runBatch(ids, hostaway.lookupListings(ids), { ...batchOptions(ctx, timeoutMs), dedupe: true, settled: knownResults<Listing>(ids.length, undefined, ctx.job?.finished) })
      return redactResults(counted(telemetry, 'batchGetListings', response), visibleTo(ctx.caller).listing)
    },

    async batchGetBookings ({ ids, timeout_ms: timeoutMs }: BatchLookupBody, ctx: CallerContext): Promise<PartialFailureResponse<Booking>> {
      const { response } = await runBatch(ids, hostaway.lookupReservations(ids), { ...batchOptions(ctx, timeoutMs), dedupe: true, settled: knownResults<Booking>(ids.length, undefined, ctx.job?.finished) })
      return redactResults(counted(telemetry, 'batchGetBookings', response), visibleTo(ctx.caller).booking)
    },

    /**
     * Many listing updates, each reported (PartialFailureResponse); each listing at most once.
     * An update that breaks a per-item rule fails alone (validation_error, never sent); the
     * others run. With an Idempotency-Key the same key and body replay the stored result
     * (`replayed`). A run its client left before it could be answered is kept as a checkpoint, not
     * as the answer: the same key and body then run the items never sent and keep the others'
     * results (docs/contract.md). Results are stored whole and the secret fields left out as the
     * caller reading them may see them, at read time. Every item is written to the audit trail,
     * replayed ones too.
     */
    async batchUpdateListings (body: BatchListingUpdateBody, ctx: CallerContext & { idempotencyKey?: string }): Promise<{ replayed: boolean, body: PartialFailureResponse<Listing> }> {
      const { updates, timeout_ms: timeoutMs } = body
      checkBatchUpdate(body)
      const ids = updates.map((u) => u.listing_id)
      const refused = updates.map((update, i) => {
        const rule = brokenUpdateRule(update)
        return rule === undefined ? undefined : unsentResult<Listing>(ruleError(i, rule), i, String(update.listing_id))
      })
      const write = eachOf(updates.map(({ listing_id: id, ...fields }) => (opts: CallOptions) => hostaway.updateListing(id, fields, opts)))
      /** positions answered by the checkpoint of an earlier run of the key (nothing sent for them now) */
      let earlier: ReadonlySet<number> = new Set<number>()
      const run = async (checkpoint: PartialFailureResponse<Listing> | undefined): Promise<RunOutcome<PartialFailureResponse<Listing>>> => {
        const result = await runBatch(ids, write, { ...batchOptions(ctx, timeoutMs), settled: knownResults(ids.length, refused, ctx.job?.finished), checkpoint })
        // and, for a job resumed after its instance stopped, what the earlier run finished (services/jobs/)
        earlier = new Set([...result.resumed, ...(ctx.job?.finished.keys() ?? [])])
        const response = counted(telemetry, 'batchUpdateListings', result.response, earlier)
        // the client went away: the response has no one to go to, so it is not the final answer
        // while items remain that were never sent
        return { body: response, complete: !clientGone(ctx.signal) || !response.failed.some(unfinished) }
      }
      const outcome = await withIdempotency(idempotency, {
        ...UPDATE_KEY_SPACE,
        key: ctx.idempotencyKey,
        caller: ctx.caller.id,
        body,
        ttlMs: idempotencyTtlMs
      }, run)
      audit.write(listingUpdateEntries({ requestId: ctx.requestId, keyId: ctx.caller.id, idempotencyKey: ctx.idempotencyKey, replayed: outcome.replayed, earlier }, updates, outcome.body))
      return { replayed: outcome.replayed, body: redactResults(outcome.body, visibleTo(ctx.caller).listing) }
    },

    /** Calendar ranges of many listings, planned as one call per listing (docs/contract.md, "Calendar updates"); `dry_run`: the plan, nothing sent. */
    batchUpdateCalendar (body: BatchCalendarUpdateBody, ctx: CallerContext & { idempotencyKey?: string }) {
      return calendar.batchUpdateCalendar(body, ctx)
    },

    /** Guest messages, never sent twice; the Idempotency-Key is required (docs/contract.md, "Guest messages"). */
    batchSendMessages (body: BatchMessagesBody, ctx: CallerContext & { idempotencyKey?: string }) {
      return messages.batchSendMessages(body, ctx)
    },

    /** Reservation updates by read, merge, write; the answer without the secret fields the caller may not see. */
    async batchUpdateBookings (body: BatchBookingUpdateBody, ctx: CallerContext & { idempotencyKey?: string }) {
      const outcome = await bookings.batchUpdateBookings(body, ctx)
      return 'dryRun' in outcome ? outcome : { replayed: outcome.replayed, body: redactResults(outcome.body, visibleTo(ctx.caller).booking) }
    },

    /** Listings free on every night of a range (Hostaway's availability filter), paged like listListings. */
    async searchAvailableListings (query: AvailableListingsQuery, ctx: CallerContext): Promise<ListingPage> {
      return redactItems(await searchAvailableListings(hostaway, query, single(ctx)), visibleTo(ctx.caller).listing)
    }
  }
}

/** The rules of a batch update body a schema cannot express (400 naming the field): each listing at most once. */
export function checkBatchUpdate ({ updates }: Pick<BatchListingUpdateBody, 'updates'>): void {
  checkOncePerBatch(updates, 'listing_id', 'listing')
}

/** Each item's `field` at most once in `updates` (400 naming both positions): one batch writes each object once. */
export function checkOncePerBatch<K extends string> (updates: ReadonlyArray<Record<K, number>>, field: K, noun: string): void {
  const seen = new Map<number, number>()
  updates.forEach((update, i) => {
    const first = seen.get(update[field])
    if (first !== undefined) {
      throw httpErrors.badRequest(`body/updates/${i}/${field} repeats body/updates/${first}/${field} (${update[field]}): each ${noun} may appear once per batch`)
    }
    seen.set(update[field], i)
  })
}

/** Whose fair share of the upstream budget a context uses. */

/**
 * The CallerContext of a Fastify request: its `workSignal` aborts on disconnect, at the request
 * deadline (REQUEST_TIMEOUT_MS, single-item routes: `workDeadline`) and at the end of the shutdown
 * grace period. Callers share the upstream budget fairly by API key, or by client IP when the API is open.
 */
export function requestContext (request: { id: string, log: FastifyBaseLogger, caller: Caller, workSignal: AbortSignal, workDeadline: number | undefined, ip: string }): CallerContext {
  const share = request.caller === OPEN_CALLER ? `ip:${request.ip}` : request.caller.id
  return { logger: request.log, caller: request.caller, requestId: request.id, signal: request.workSignal, deadline: request.workDeadline, share }
}
