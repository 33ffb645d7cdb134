import type { Booking } from '../../schemas/booking.js'
import type { CalendarDay, Listing, ListingUpdateFields } from '../../schemas/listing.js'
import type { Conversation, Message } from '../../schemas/message.js'
import type { BookingPage, ListingPage } from '../../schemas/page.js'
import type { CalendarQuery, ListListingsQuery, SearchBookingsQuery } from '../../schemas/query.js'
import { GatewayError } from '../errors.js'
import type { CallExecutor, CallSpec, Envelope } from './call/executor.js'
import { bookingEndpoints, listingEndpoints } from './endpoints.js'
import { createLookups, type LookupsDeps } from './reads/lookups.js'
import type { ReadThrough } from './reads/read-through.js'
import type { CallOptions } from '../seams.js'
import type { AttemptOutcome } from './call/http.js'
import { classifySendAttempt, type SendAttempt } from './call/send-rule.js'

export interface HostawayClientDeps {
  executor: Pick<CallExecutor, 'call' | 'ready'>
  reads: Pick<ReadThrough, 'read' | 'invalidate' | 'peek' | 'lookup' | 'share' | 'primeAll' | 'epoch' | 'replace'>
  /** the batch lookup planner: on or off (BATCH_PLANNER), calls in flight per batch (BATCH_CONCURRENCY), the budget now */
  planner: Pick<LookupsDeps, 'enabled' | 'concurrency' | 'budget'>
  log: LookupsDeps['log']
  telemetry: LookupsDeps['telemetry']
}

/** The upstream client, decorated as `fastify.hostaway`. Every method throws a GatewayError on failure. */
export type HostawayClient = ReturnType<typeof createHostawayClient>

function numberOr (value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback
}

/** Our page envelope from Hostaway's (`count` is the total upstream, all pages together). */
function page<T> (body: Envelope, query: { limit: number, offset: number }) {
  const items = body.result as T[]
  return { items, count: numberOr(body.count, items.length), limit: numberOr(body.limit, query.limit), offset: numberOr(body.offset, query.offset) }
}

/** A send attempt's outcome as the never-twice rule reads it (an abort is the attempt loop's own: abortedError). */
function sendAttempt (outcome: AttemptOutcome): SendAttempt {
  return outcome.kind === 'aborted' ? { kind: 'aborted', sent: true, reason: 'aborted' } : outcome
}

function checkId (spec: CallSpec, id: number): void {
  if (!Number.isSafeInteger(id) || id < 1) {
    throw GatewayError.invalid(`${spec.method} /${spec.path}: the id must be a positive integer`)
  }
}

/**
 * The Hostaway operations the gateway offers, in the gateway's terms: each one an endpoint of
 * endpoints.ts called through the call executor (token, rate limit, retries, envelope); reads by id go
 * through the read-through cache (404s included), list pages of listings fill it, batch lookups
 * are planned (lookups.ts), and a listing update invalidates the listing's entry. Conversations
 * and messages are cached too; webhooks keep reservations and messages fresh (`remember…`/`forget…`).
 */
export function createHostawayClient ({ executor, reads, planner, log, telemetry }: HostawayClientDeps) {
  async function result<T> (spec: CallSpec, opts?: CallOptions): Promise<T> {
    return (await executor.call(spec, opts)).result as T
  }

  /** `reported`: the cache lookup was reported already (by a batch plan) */
  async function byId<T> (spec: CallSpec, key: string, id: number, opts?: CallOptions, reported = false): Promise<T> {
    checkId(spec, id)
    return await reads.read<T>(key, `${spec.method} /${spec.path}`, (o) => result<T>(spec, o), opts, reported)
  }

  const fetchListing = (id: number, opts?: CallOptions, reported?: boolean): Promise<Listing> => byId(listingEndpoints.get(id), listingEndpoints.key(id), id, opts, reported)
  const fetchReservation = (id: number, opts?: CallOptions, reported?: boolean): Promise<Booking> => byId(bookingEndpoints.get(id), bookingEndpoints.key(id), id, opts, reported)
  const getListing = (id: number, opts?: CallOptions): Promise<Listing> => fetchListing(id, opts)
  const getReservation = (id: number, opts?: CallOptions): Promise<Booking> => fetchReservation(id, opts)
  const lookups = createLookups({ reads, call: executor.call, fetchListing, fetchReservation, log, telemetry, ...planner })

  return {
    async listListings (query: ListListingsQuery, opts?: CallOptions): Promise<ListingPage> {
      const since = reads.epoch()
      const listed = page<Listing>(await executor.call(listingEndpoints.list(query), opts), query)
      // a list object is the by-id object: the page fills the cache, and an unfiltered one tells the count
      await reads.primeAll(listed.items, (listing) => listingEndpoints.key(listing.id), since)
      if (query.city === undefined && query.match === undefined) lookups.rememberListingCount(listed.count)
      return listed
    },

    getListing,

    /** The strategy of a batch of listing lookups (services/batch/run.ts): planned (cache, list pages, then by id). */
    lookupListings: lookups.listings,

    async getListingCalendar (id: number, query: CalendarQuery, opts?: CallOptions): Promise<CalendarDay[]> {
      const spec = listingEndpoints.calendar(id, query)
      checkId(spec, id)
      return await result<CalendarDay[]>(spec, opts)
    },

    async updateListing (id: number, fields: ListingUpdateFields, opts?: CallOptions): Promise<Listing> {
      const spec = listingEndpoints.update(id, fields)
      checkId(spec, id)
      const key = listingEndpoints.key(id)
      // before: nobody joins a read that started before the write; after: whatever the outcome
      await reads.invalidate(key)
      try {
        return await result<Listing>(spec, opts)
      } finally {
        await reads.invalidate(key)
      }
    },

    async searchReservations (query: SearchBookingsQuery, opts?: CallOptions): Promise<BookingPage> {
      return page<Booking>(await executor.call(bookingEndpoints.search(query), opts), query)
    },

    getReservation,

    /** The strategy of a batch of reservation lookups: planned (cache, pages of recent changes, then by id). */
    lookupReservations: lookups.reservations,

    listConversations (query: { reservation_id: number }, opts?: CallOptions): Promise<Conversation[]> {
      const id = query.reservation_id
      return byId(bookingEndpoints.conversations(id), bookingEndpoints.conversationsKey(id), id, opts)
    },

    listMessages (conversationId: number, opts?: CallOptions): Promise<Message[]> {
      return byId(bookingEndpoints.messages(conversationId), bookingEndpoints.messagesKey(conversationId), conversationId, opts)
    },

    /** The cached reservation, if any (no upstream call). */
    async cachedReservation (id: number): Promise<Booking | undefined> {
      const known = await reads.peek<Booking>(bookingEndpoints.key(id))
      return known !== undefined && 'value' in known ? known.value : undefined
    },

    /** A reservation known to be current (a webhook's): cached in place of any older copy or remembered 404. */
    rememberReservation (booking: Booking): Promise<void> {
      return reads.replace(bookingEndpoints.key(booking.id), booking)
    },

    forgetReservation (id: number): Promise<void> {
      return reads.invalidate(bookingEndpoints.key(id))
    },

    /** Forget the cached messages of a conversation and the conversation list of its reservation. */
    async forgetMessages (ids: { conversationId?: number, reservationId?: number }): Promise<void> {
      if (ids.conversationId !== undefined) await reads.invalidate(bookingEndpoints.messagesKey(ids.conversationId))
      if (ids.reservationId !== undefined) await reads.invalidate(bookingEndpoints.conversationsKey(ids.reservationId))
    },

    /** A calendar write planned by services/writes/calendar.ts (calendar days are not cached: nothing to invalidate). */
    async writeCalendar (call: { listingId: number, path: string, body: object }, opts?: CallOptions): Promise<unknown> {
      const spec = listingEndpoints.calendarWrite(call.path, call.body)
      checkId(spec, call.listingId)
      return (await executor.call(spec, opts)).result
    },

    /** Listings free for a whole range, Hostaway's availability filter; the page fills the listing cache like any list page. */
    async listAvailableListings (query: { start_date: string, end_date: string, guests?: number, limit: number, offset: number }, opts?: CallOptions): Promise<ListingPage> {
      const since = reads.epoch()
      const listed = page<Listing>(await executor.call(listingEndpoints.available(query), opts), query)
      await reads.primeAll(listed.items, (listing) => listingEndpoints.key(listing.id), since)
      return listed
    },

    /**
     * The reservation as Hostaway holds it now, read past the cache: what a read-merge-write merges
     * into (a cached copy could be older than a change made meanwhile, which the PUT would undo).
     */
    async readReservationForUpdate (id: number, opts?: CallOptions): Promise<Record<string, unknown>> {
      const spec = bookingEndpoints.get(id)
      checkId(spec, id)
      return await result<Record<string, unknown>>(spec, opts)
    },

    /** Write a whole reservation back; its cached copy is forgotten before and after, whatever the outcome. */
    async updateReservation (id: number, body: Record<string, unknown>, opts?: CallOptions): Promise<Booking> {
      const spec = bookingEndpoints.update(id, body)
      checkId(spec, id)
      const key = bookingEndpoints.key(id)
      await reads.invalidate(key)
      try {
        return await result<Booking>(spec, opts)
      } finally {
        await reads.invalidate(key)
      }
    },

    /** One page of every conversation (by offset), with the list's total: what a batch of messages scans. */
    async conversationsPage (offset: number, opts?: CallOptions): Promise<{ items: Conversation[], count: number }> {
      const body = await executor.call(bookingEndpoints.conversationsPage(offset), opts)
      const items = body.result as Conversation[]
      return { items, count: numberOr(body.count, offset + items.length) }
    },

    /** A reservation's conversations, not cached (404: the reservation does not exist). */
    async reservationConversations (reservationId: number, opts?: CallOptions): Promise<Conversation[]> {
      const spec = bookingEndpoints.reservationConversations(reservationId)
      checkId(spec, reservationId)
      return await result<Conversation[]>(spec, opts)
    },

    /**
     * Send a message to a conversation: never twice (services/writes/messages.ts,
     * classifySendAttempt). Sent again only after an outcome that certainly did not reach Hostaway (a
     * 429, a connection never made; a refused token is renewed first); once the request may have
     * reached it the call ends `outcome_unknown`, not retryable. The cached messages and
     * conversation list of the reservation are forgotten, whatever the outcome.
     */
    async sendMessage (target: { conversationId: number, reservationId: number }, message: { body: string, communicationType?: string }, opts?: CallOptions): Promise<Message> {
      const { conversationId, reservationId } = target
      const ctx = { bookingId: reservationId, conversationId, maxAttempts: Number.POSITIVE_INFINITY }
      const spec: CallSpec = {
        ...bookingEndpoints.send(conversationId, message),
        mayRetry: (outcome) => classifySendAttempt(sendAttempt(outcome), { ...ctx, attempts: 1 }).kind === 'retry',
        reject: (outcome, attempts) => {
          const decision = classifySendAttempt(sendAttempt(outcome), { ...ctx, attempts })
          if (decision.kind !== 'failed') return undefined
          return GatewayError.classified(decision.message, { status_code: decision.status_code, error_type: decision.error_type, retryable: decision.retryable, attempts })
        }
      }
      checkId(spec, conversationId)
      try {
        return await result<Message>(spec, opts)
      } finally {
        await reads.invalidate(bookingEndpoints.messagesKey(conversationId))
        await reads.invalidate(bookingEndpoints.conversationsKey(reservationId))
      }
    },

    /** The upstream budget as the rate limiter sees it now (a dry run's finish estimate); undefined when unknown. */
    rateBudget (): { free: number, perWindow: number, windowMs: number } | undefined {
      return planner.budget?.()
    },

    /** Obtain (or reuse) a token: resolves when the upstream credentials work. */
    checkReady (opts?: CallOptions): Promise<void> {
      return executor.ready(opts)
    }
  }
}
