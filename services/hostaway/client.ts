import type { Booking } from '../../schemas/booking.js'
import type { CalendarDay, Listing, ListingUpdateFields } from '../../schemas/listing.js'
import type { Conversation, Message } from '../../schemas/message.js'
import type { BookingPage, ListingPage } from '../../schemas/page.js'
import type { CalendarQuery, ListListingsQuery, SearchBookingsQuery } from '../../schemas/query.js'
import { HostawayError } from '../errors.js'
import type { Caller, CallSpec, Envelope } from './call/caller.js'
import { bookingEndpoints, listingEndpoints } from './endpoints.js'
import { createLookups, type LookupsDeps } from './reads/lookups.js'
import type { ReadThrough } from './reads/read-through.js'
import type { CallOptions } from '../seams.js'

export interface HostawayClientDeps {
  caller: Pick<Caller, 'call' | 'ready'>
  reads: Pick<ReadThrough, 'read' | 'invalidate' | 'peek' | 'lookup' | 'share' | 'primeAll' | 'epoch' | 'replace'>
  /** the batch lookup planner: on or off (BATCH_PLANNER), calls in flight per batch (BATCH_CONCURRENCY), the budget now */
  planner: Pick<LookupsDeps, 'enabled' | 'concurrency' | 'budget'>
  log: LookupsDeps['log']
  telemetry: LookupsDeps['telemetry']
}

/** The upstream client, decorated as `fastify.hostaway`. Every method throws a HostawayError on failure. */
export type HostawayClient = ReturnType<typeof createHostawayClient>

function numberOr (value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback
}

/** Our page envelope from Hostaway's (`count` is the total upstream, all pages together). */
function page<T> (body: Envelope, query: { limit: number, offset: number }) {
  const items = body.result as T[]
  return { items, count: numberOr(body.count, items.length), limit: numberOr(body.limit, query.limit), offset: numberOr(body.offset, query.offset) }
}

function checkId (spec: CallSpec, id: number): void {
  if (!Number.isSafeInteger(id) || id < 1) {
    throw new HostawayError(`${spec.method} /${spec.path}: the id must be a positive integer`, {
      status_code: null, error_type: 'validation_error', retryable: false
    })
  }
}

/**
 * The Hostaway operations the gateway offers, in the gateway's terms: each one an endpoint of
 * endpoints.ts called through the caller (token, rate limit, retries, envelope); reads by id go
 * through the read-through cache (404s included), list pages of listings fill it, batch lookups
 * are planned (lookups.ts), and a listing update invalidates the listing's entry. Conversations
 * and messages are cached too; webhooks keep reservations and messages fresh (`remember…`/`forget…`).
 */
export function createHostawayClient ({ caller, reads, planner, log, telemetry }: HostawayClientDeps) {
  async function result<T> (spec: CallSpec, opts?: CallOptions): Promise<T> {
    return (await caller.call(spec, opts)).result as T
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
  const lookups = createLookups({ reads, call: caller.call, fetchListing, fetchReservation, log, telemetry, ...planner })

  return {
    async listListings (query: ListListingsQuery, opts?: CallOptions): Promise<ListingPage> {
      const since = reads.epoch()
      const listed = page<Listing>(await caller.call(listingEndpoints.list(query), opts), query)
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
      return page<Booking>(await caller.call(bookingEndpoints.search(query), opts), query)
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

    /** Obtain (or reuse) a token: resolves when the upstream credentials work. */
    checkReady (opts?: CallOptions): Promise<void> {
      return caller.ready(opts)
    }
  }
}
