import { createHash } from 'node:crypto'
import { availabilityRange, blockingStays, calendarDays, checkRange, freeThrough, writeCalendar, type CalendarDay } from './calendar.js'
import { BLOCKING_STATUSES, conversationIdOffset } from './data.js'
import { formatDateTime, parseDay } from './dates.js'
import { paginate, type Page } from './envelope.js'
import { badRequest, notFound } from './errors.js'
import { orderReservations } from './reservation-order.js'
import { listView } from './resources.js'
import type {
  CalendarInterval, CalendarQuery, ConversationsQuery, ListingsQuery, ListingUpdateBody, MessageBody, MessagesQuery, ReservationsQuery, ReservationUpdateBody
} from './schemas.js'
import type { ConversationRecord, ListingRecord, MessageRecord, ReservationRecord, SandboxData } from './types.js'

const ci = (s: unknown) => String(s ?? '').toLowerCase()

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

  /**
   * `omitted`: ids the list leaves out (the `omit_from_lists` fault), though they answer by id.
   * Availability filter (listing_retrieveListingsList.md; its semantics are not documented, these are
   * the sandbox's): `availabilityDateStart` and `availabilityDateEnd` together keep the listings open
   * on every day from the one to the other, both included (not reserved, not blocked by a calendar
   * write; minimum stay and closed-to-arrival are not considered); `availabilityGuestNumber` keeps
   * those whose personCapacity is at least that.
   */
  listListings (q: ListingsQuery, omitted: ReadonlySet<number> = new Set()): Page<ListingRecord> {
    const city = q.city === undefined ? undefined : ci(q.city)
    const country = q.country === undefined ? undefined : ci(q.country)
    const match = q.match === undefined ? undefined : ci(q.match)
    const free = availabilityRange(q)
    const guests = q.availabilityGuestNumber
    const all = [...this.#data.listings.values()].filter((l) => !omitted.has(l.id) &&
      (city === undefined || ci(l.city) === city) &&
      (country === undefined || ci(l.country) === country || ci(l.countryCode) === country) &&
      (match === undefined || ci(l.name).includes(match)) &&
      (guests === undefined || Number(l.personCapacity ?? 0) >= guests) &&
      (free === undefined || freeThrough(this.#data, l, free.start, free.end)))
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
    const range = checkRange(start, end, 'startDate and endDate')
    return calendarDays(this.#data, listing, range.start, range.end, q.includeResources === 1)
  }

  /** PUT /listings/:id/calendar and /calendarIntervals (calendar.ts: writeCalendar). */
  updateCalendar (id: number, intervals: CalendarInterval[]): CalendarDay[] {
    return writeCalendar(this.#data, this.getListing(id), intervals)
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

  /**
   * PUT /reservations/:id: the fields given are merged. New dates that overlap another reservation
   * holding the listing's calendar are refused (400) unless `force` (forceOverbooking=1).
   */
  updateReservation (id: number, fields: ReservationUpdateBody, force = false): ReservationRecord {
    const r = this.getReservation(id)
    // Not writable: the ids, the listing, and the record's own timestamps.
    const { id: _id, listingMapId: _l, hostawayReservationId: _h, insertedOn: _i, updatedOn: _u, ...rest } = fields as ReservationUpdateBody & Record<string, unknown>
    const arrival = rest.arrivalDate ?? r.arrivalDate
    const departure = rest.departureDate ?? r.departureDate
    const from = parseDay(arrival) ?? 0
    const to = parseDay(departure) ?? 0
    if (to <= from) throw badRequest('departureDate must be after arrivalDate')
    const datesChanged = arrival !== r.arrivalDate || departure !== r.departureDate
    if (datesChanged && !force && BLOCKING_STATUSES.has(String(rest.status ?? r.status))) {
      const clash = blockingStays(this.#data, r.listingMapId).find((s) => s.r.id !== id && s.from < to && from < s.to)
      if (clash !== undefined) {
        throw badRequest(`Overbooking: listing ${r.listingMapId} is booked from ${clash.r.arrivalDate} to ${clash.r.departureDate} (reservation ${clash.r.id}); use forceOverbooking=1 to override`)
      }
    }
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

  /** GET /reservations/:id/conversations: 404 for an unknown reservation, [] for one without a conversation. */
  conversationsOf (reservationId: number): ConversationRecord[] {
    this.getReservation(reservationId)
    return this.listConversations({ reservationId }).items
  }

  getConversation (id: number): ConversationRecord {
    const c = this.#data.conversations.get(id)
    if (c === undefined) throw notFound('Conversation')
    return { ...c, conversationMessages: (this.#data.messages.get(id) ?? []).slice(-1) }
  }

  getMessage (conversationId: number, messageId: number): MessageRecord {
    const message = this.#messagesOf(conversationId).find((m) => m.id === messageId)
    if (message === undefined) throw notFound('Message')
    return message
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
