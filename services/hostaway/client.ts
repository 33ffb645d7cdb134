import type { Booking } from '../../schemas/booking.js'
import type { CalendarDay, Listing, ListingUpdateFields } from '../../schemas/listing.js'
import type { Conversation, Message } from '../../schemas/message.js'
import type { BookingPage, ListingPage } from '../../schemas/page.js'
import type { CalendarQuery, ListListingsQuery, SearchBookingsQuery } from '../../schemas/query.js'
import { HostawayError } from '../errors.js'
import type { Caller, CallSpec, Envelope } from './caller.js'
import { bookingEndpoints, listingEndpoints } from './endpoints.js'
import type { ReadThrough } from './read-through.js'
import type { CallOptions } from './types.js'

export interface HostawayClientDeps {
  caller: Pick<Caller, 'call' | 'ready'>
  reads: Pick<ReadThrough, 'read' | 'invalidate'>
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
 * through the read-through cache, and a listing update invalidates the listing's entry.
 */
export function createHostawayClient ({ caller, reads }: HostawayClientDeps) {
  async function result<T> (spec: CallSpec, opts?: CallOptions): Promise<T> {
    return (await caller.call(spec, opts)).result as T
  }

  async function byId<T> (spec: CallSpec, key: string, id: number, opts?: CallOptions): Promise<T> {
    checkId(spec, id)
    return await reads.read<T>(key, `${spec.method} /${spec.path}`, (o) => result<T>(spec, o), opts)
  }

  return {
    async listListings (query: ListListingsQuery, opts?: CallOptions): Promise<ListingPage> {
      return page<Listing>(await caller.call(listingEndpoints.list(query), opts), query)
    },

    getListing (id: number, opts?: CallOptions): Promise<Listing> {
      return byId(listingEndpoints.get(id), listingEndpoints.key(id), id, opts)
    },

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

    getReservation (id: number, opts?: CallOptions): Promise<Booking> {
      return byId(bookingEndpoints.get(id), bookingEndpoints.key(id), id, opts)
    },

    async listConversations (query: { reservation_id: number }, opts?: CallOptions): Promise<Conversation[]> {
      return await result<Conversation[]>(bookingEndpoints.conversations(query.reservation_id), opts)
    },

    async listMessages (conversationId: number, opts?: CallOptions): Promise<Message[]> {
      const spec = bookingEndpoints.messages(conversationId)
      checkId(spec, conversationId)
      return await result<Message[]>(spec, opts)
    },

    /** Obtain (or reuse) a token: resolves when the upstream credentials work. */
    checkReady (opts?: CallOptions): Promise<void> {
      return caller.ready(opts)
    }
  }
}
