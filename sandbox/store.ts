import { createHash } from 'node:crypto'
import { BLOCKING_STATUSES, conversationIdOffset, nightlyPrice } from './data.js'
import { formatDateTime, formatDay, parseDay } from './dates.js'
import { badRequest, notFound } from './errors.js'
import { orderReservations } from './reservation-order.js'
import { listView } from './resources.js'
import type {
  CalendarQuery, ConversationsQuery, ListingsQuery, ListingUpdateBody, MessageBody, MessagesQuery, ReservationsQuery, ReservationUpdateBody
} from './schemas.js'
import type { ConversationRecord, ListingRecord, MessageRecord, ReservationRecord, SandboxData } from './types.js'

/** A page of a list, before it is wrapped in Hostaway's envelope. */
export interface Page<T> {
  items: T[]
  /** all records matching the filters */
  count: number
  /** null = no limit */
  limit: number | null
  /** the offset applied; null when a cursor (afterId) was used instead */
  offset: number | null
  /** matching records before this page (default: offset) */
  position?: number
}

export interface CalendarDay { id: number, date: string, isAvailable: number, status: string, price: number, minimumStay: number, maximumStay: number, [field: string]: unknown }

const MAX_CALENDAR_DAYS = 1096
const ci = (s: unknown) => String(s ?? '').toLowerCase()

function paginate<T> (all: T[], limit: number | undefined, offset: number | undefined): Page<T> {
  const start = offset ?? 0
  const items = limit === undefined ? all.slice(start) : all.slice(start, start + limit)
  return { items, count: all.length, limit: limit ?? null, offset: start }
}

/** The sandbox's records and what the routes do with them. */
export class SandboxStore {
  #data: SandboxData

  constructor (private readonly generate: () => SandboxData) {
    this.#data = generate()
  }

  regenerate (): void {
    this.#data = this.generate()
  }

  // ── listings ──

  /** `omitted`: ids the list leaves out (the `omit_from_lists` fault), though they answer by id. */
  listListings (q: ListingsQuery, omitted: ReadonlySet<number> = new Set()): Page<ListingRecord> {
    const city = q.city === undefined ? undefined : ci(q.city)
    const country = q.country === undefined ? undefined : ci(q.country)
    const match = q.match === undefined ? undefined : ci(q.match)
    const all = [...this.#data.listings.values()].filter((l) => !omitted.has(l.id) &&
      (city === undefined || ci(l.city) === city) &&
      (country === undefined || ci(l.country) === country || ci(l.countryCode) === country) &&
      (match === undefined || ci(l.name).includes(match)))
    return paginate(all, q.limit, q.offset)
  }

  getListing (id: number): ListingRecord {
    const listing = this.#data.listings.get(id)
    if (listing === undefined) throw notFound('Listing')
    return listing
  }

  updateListing (id: number, fields: ListingUpdateBody): ListingRecord {
    const listing = this.getListing(id)
    const { id: _ignored, ...rest } = fields as ListingUpdateBody & { id?: unknown }
    if (rest.name !== undefined && !('externalListingName' in rest)) listing.externalListingName = rest.name
    Object.assign(listing, rest)
    return listing
  }

  calendar (id: number, q: CalendarQuery, baseDate: string): CalendarDay[] {
    const listing = this.getListing(id)
    const start = parseDay(q.startDate ?? baseDate)
    const end = q.endDate === undefined ? (start ?? 0) + 30 : parseDay(q.endDate)
    if (start === undefined || end === undefined) throw badRequest('startDate and endDate must be dates (YYYY-MM-DD)')
    if (end < start) throw badRequest('endDate must not be before startDate')
    if (end - start + 1 > MAX_CALENDAR_DAYS) throw badRequest(`the calendar range must not exceed ${MAX_CALENDAR_DAYS} days`)
    const stays = [...this.#data.reservations.values()]
      .filter((r) => r.listingMapId === id && BLOCKING_STATUSES.has(r.status))
      .map((r) => ({ r, from: parseDay(r.arrivalDate) ?? 0, to: parseDay(r.departureDate) ?? 0 }))
    const days: CalendarDay[] = []
    for (let d = start; d <= end; d++) {
      const covering = stays.filter((s) => s.from <= d && d < s.to)
      const reserved = covering.length > 0
      days.push({
        id: id * 100_000 + (d % 100_000),
        date: formatDay(d),
        isAvailable: reserved ? 0 : 1,
        isProcessed: 1,
        status: reserved ? 'reserved' : 'available',
        price: nightlyPrice(listing, d),
        minimumStay: Number(listing.minNights),
        maximumStay: Number(listing.maxNights),
        closedOnArrival: null,
        closedOnDeparture: null,
        note: null,
        countAvailableUnits: null,
        availableUnitsToSell: null,
        countPendingUnits: null,
        countBlockingReservations: null,
        countBlockedUnits: null,
        desiredUnitsToSell: null,
        reservations: q.includeResources === 1 ? covering.map((s) => s.r) : []
      })
    }
    return days
  }

  // ── reservations ──

  /**
   * GET /reservations: filter, order (default updatedOn DESC, id DESC), then either the `afterId`
   * cursor or the deprecated `offset`, then `limit` (default 100). `count` is every reservation
   * matching the filters. List objects lack the resources and cancellation-policy fields unless
   * includeResources=1 / includeCancellationPolicy=1 (resources.ts).
   */
  searchReservations (q: ReservationsQuery, omitted: ReadonlySet<number> = new Set()): Page<ReservationRecord> {
    const matching = this.#matchingReservations(q).filter((r) => !omitted.has(r.id))
    const { ordered, before } = orderReservations(matching, q, {
      reservation: (id) => this.#data.reservations.get(id),
      conversationOf: (r) => this.#data.conversations.get(conversationIdOffset(this.#data.reservations.size) + r.id)
    })
    const limit = q.limit ?? 100
    const include = { resources: q.includeResources === 1, cancellationPolicy: q.includeCancellationPolicy === 1 }
    const start = q.afterId === undefined ? (q.offset ?? 0) : 0
    const items = ordered.slice(start, start + limit).map((r) => listView(r, include))
    return { items, count: matching.length, limit, offset: q.afterId === undefined ? start : null, position: before + start }
  }

  #matchingReservations (q: ReservationsQuery): ReservationRecord[] {
    const match = q.match === undefined ? undefined : ci(q.match)
    const email = q.guestEmail === undefined ? undefined : ci(q.guestEmail)
    const within = (v: string, from?: string, to?: string) => (from === undefined || v >= from) && (to === undefined || v <= to)
    return [...this.#data.reservations.values()].filter((r) =>
      (q.listingId === undefined || r.listingMapId === q.listingId) &&
      (q.channelId === undefined || r.channelId === q.channelId) &&
      (q.status === undefined || r.status === q.status) &&
      (match === undefined || ci(r.guestName).includes(match)) &&
      (email === undefined || ci(r.guestEmail) === email) &&
      within(r.arrivalDate, q.arrivalStartDate, q.arrivalEndDate) &&
      within(r.departureDate, q.departureStartDate, q.departureEndDate))
  }

  getReservation (id: number): ReservationRecord {
    const reservation = this.#data.reservations.get(id)
    if (reservation === undefined) throw notFound('Reservation')
    return reservation
  }

  updateReservation (id: number, fields: ReservationUpdateBody): ReservationRecord {
    const r = this.getReservation(id)
    // Not writable: the ids, the listing, and the record's own timestamps.
    const { id: _id, listingMapId: _l, hostawayReservationId: _h, insertedOn: _i, updatedOn: _u, ...rest } = fields as ReservationUpdateBody & Record<string, unknown>
    const arrival = rest.arrivalDate ?? r.arrivalDate
    const departure = rest.departureDate ?? r.departureDate
    const from = parseDay(arrival) ?? 0
    const to = parseDay(departure) ?? 0
    if (to <= from) throw badRequest('departureDate must be after arrivalDate')
    const datesChanged = arrival !== r.arrivalDate || departure !== r.departureDate
    const modified = datesChanged ||
      (rest.numberOfGuests !== undefined && rest.numberOfGuests !== r.numberOfGuests) ||
      (rest.totalPrice !== undefined && rest.totalPrice !== r.totalPrice)
    const now = formatDateTime(Date.now())
    if (datesChanged) {
      r.previousArrivalDate = r.arrivalDate
      r.previousDepartureDate = r.departureDate
    }
    const wasCancelled = r.status === 'cancelled'
    Object.assign(r, rest, { nights: to - from, updatedOn: now, latestActivityOn: now })
    if (rest.status === undefined && modified && r.status === 'new') r.status = 'modified'
    if (r.status === 'cancelled' && !wasCancelled) {
      r.cancellationDate = now
      r.cancelledBy ??= 'host'
    }
    return r
  }

  // ── conversations ──

  listConversations (q: ConversationsQuery): Page<ConversationRecord> {
    const all = [...this.#data.conversations.values()]
      .filter((c) => q.reservationId === undefined || c.reservationId === q.reservationId)
      .map((c) => q.includeResources === 1
        ? { ...c, conversationMessages: (this.#data.messages.get(c.id) ?? []).slice(-1), Reservation: this.#reservationWithListing(c.reservationId) }
        : { ...c, conversationMessages: [] })
    return paginate(all, q.limit, q.offset)
  }

  listMessages (conversationId: number, q: MessagesQuery): Page<MessageRecord> {
    return paginate(this.#messagesOf(conversationId), q.limit, q.offset)
  }

  addMessage (conversationId: number, input: MessageBody): MessageRecord {
    const list = this.#messagesOf(conversationId)
    const conversation = this.#data.conversations.get(conversationId) as ConversationRecord
    const now = formatDateTime(Date.now())
    const id = this.#data.nextMessageId++
    const message: MessageRecord = {
      id,
      accountId: conversation.accountId,
      listingMapId: conversation.listingMapId,
      reservationId: conversation.reservationId,
      conversationId,
      communicationId: null,
      airbnbThreadMessageId: null,
      body: input.body,
      communicationType: input.communicationType ?? 'email',
      status: 'sent',
      isIncoming: 0,
      isSeen: 0,
      sentUsingHostaway: 1,
      hash: createHash('md5').update(`${id}:${input.body}`).digest('hex'),
      listingTimeZoneName: this.#data.listings.get(conversation.listingMapId)?.timeZoneName ?? null,
      communicationEvent: null,
      communicationTimeDelta: null,
      communicationApplyListingTimeZone: null,
      communicationAlwaysTrigger: null,
      date: now,
      sentChannelDate: now,
      attachments: [],
      insertedOn: now,
      updatedOn: now
    }
    list.push(message)
    conversation.messageSentOn = now
    conversation.updatedOn = now
    return message
  }

  #messagesOf (conversationId: number): MessageRecord[] {
    const list = this.#data.messages.get(conversationId)
    if (list === undefined) throw notFound('Conversation')
    return list
  }

  #reservationWithListing (id: number) {
    const r = this.#data.reservations.get(id)
    return r === undefined ? null : { ...r, listingName: this.#data.listings.get(r.listingMapId)?.name ?? '' }
  }
}
