import { createHash } from 'node:crypto'
import {
  ADJECTIVES, CHANNELS, CITIES, FEATURES, FIRST_NAMES, GUEST_MESSAGES, GUEST_ORIGINS, HOST_MESSAGES, LAST_NAMES, PROPERTY_KINDS
} from './catalog.js'
import { dayToMs, formatDateTime, formatDay, month, parseDay, weekday } from './dates.js'
import { deriveSeed, float, int, mulberry32, pick, weighted, type Rng } from './prng.js'
import { hasConversation, hostProxyEmail, seedResources } from './resources.js'
import type { ConversationRecord, ListingRecord, MessageRecord, ReservationRecord, SandboxData } from './types.js'

/** Default number of listings (the `listingCount` option). */
export const LISTING_COUNT = 40
/**
 * Conversation ids are reservation id + an offset, so the two never coincide: 1000, or the next
 * power of ten when there are 1000 reservations or more.
 */
export const CONVERSATION_ID_OFFSET = 1000
export function conversationIdOffset (reservationCount: number): number {
  let offset = CONVERSATION_ID_OFFSET
  while (offset <= reservationCount) offset *= 10
  return offset
}
const PAST_DAYS = 30
const FUTURE_DAYS = 365

/** Statuses that block the calendar (reservation_reservationStatuses.md). */
export const BLOCKING_STATUSES = new Set(['new', 'modified', 'ownerStay', 'pending', 'awaitingPayment', 'awaitingGuestVerification', 'unconfirmed'])

/** The nightly price of a listing on a day: base price, +15 % on Fri/Sat, seasonal factor. */
export function nightlyPrice (listing: ListingRecord, day: number): number {
  let f = 1
  const wd = weekday(day)
  if (wd === 5 || wd === 6) f *= 1.15
  const m = month(day)
  if (m === 7 || m === 8) f *= 1.25
  else if (m === 12) f *= 1.1
  else if (m === 1 || m === 2 || m === 11) f *= 0.9
  return Math.round(Number(listing.price) * f)
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex')
const ascii = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z]/g, '')
const code = (rng: Rng, n: number, alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789') =>
  Array.from({ length: n }, () => alphabet[Math.floor(rng() * alphabet.length)]).join('')
const accountValue = (accountId: string): number | string => /^\d+$/.test(accountId) ? Number(accountId) : accountId

/**
 * Generate the sandbox data. Everything is drawn from a PRNG seeded with `seed`, and every date is
 * laid out from `baseDate`, so the same (seed, baseDate, accountId, listingCount) always gives
 * identical data. Listings, then their stay dates, are drawn one listing after the other, so
 * listings 1–40 and the dates of their stays do not depend on `listingCount`.
 */
export function generateData (seed: number, baseDate: string, accountId: string, listingCount = LISTING_COUNT): SandboxData {
  const baseDay = parseDay(baseDate)
  if (baseDay === undefined) throw new TypeError(`baseDate must be YYYY-MM-DD, got "${baseDate}"`)
  const listings = generateListings(mulberry32(deriveSeed(seed, 'listings')), accountId, listingCount)
  const reservations = generateReservations(mulberry32(deriveSeed(seed, 'reservations')), listings, baseDay, accountId)
  const { conversations, messages, nextMessageId } = generateConversations(mulberry32(deriveSeed(seed, 'messages')), listings, reservations, accountId)
  seedResources(mulberry32(deriveSeed(seed, 'resources')), reservations, accountId, conversationIdOffset(reservations.length))
  return {
    listings: new Map(listings.map((l) => [l.id, l])),
    reservations: new Map(reservations.map((r) => [r.id, r])),
    conversations,
    messages,
    nextMessageId,
    calendar: new Map()
  }
}

function generateListings (rng: Rng, accountId: string, count: number): ListingRecord[] {
  // The cities in a seeded order, taken in turn (with 40 listings, each city gets two).
  const cities = CITIES.map((c) => ({ c, k: rng() })).sort((a, b) => a.k - b.k).map(({ c }) => c)
  const out: ListingRecord[] = []
  for (let id = 1; id <= count; id++) {
    const city = cities[(id - 1) % cities.length]
    const kind = pick(rng, PROPERTY_KINDS)
    const area = pick(rng, city.areas)
    const name = `${pick(rng, ADJECTIVES)} ${kind.word} ${pick(rng, FEATURES)} in ${area}`
    const bedrooms = int(rng, kind.bedrooms[0], kind.bedrooms[1])
    const personCapacity = Math.max(2, bedrooms * 2 + int(rng, 0, 1))
    const fx = city.currencyCode === 'MXN' ? 18 : city.currencyCode === 'GBP' ? 0.85 : 1
    const price = Math.round((55 + bedrooms * 35 + rng() * 70) * fx)
    const street = `${pick(rng, city.streets)} ${int(rng, 1, 220)}`
    const publicAddress = `${city.city}, ${city.state} ${city.zip}, ${city.country}`
    const contact = `${pick(rng, FIRST_NAMES)} ${pick(rng, LAST_NAMES)}`
    out.push({
      id,
      propertyTypeId: kind.propertyTypeId,
      name,
      externalListingName: name,
      internalListingName: `${city.city.slice(0, 3).toUpperCase()}-${String(id).padStart(3, '0')}`,
      description: `${name}. A ${kind.word} in ${area}, ${city.city}, for up to ${personCapacity} guests.`,
      houseRules: 'No smoking. No parties. Quiet hours 22:00–08:00.',
      keyPickup: 'Self check-in with a keypad',
      specialInstruction: null,
      doorSecurityCode: String(int(rng, 1000, 9999)),
      country: city.country,
      countryCode: city.countryCode,
      state: city.state,
      city: city.city,
      street,
      address: `${street}, ${publicAddress}`,
      publicAddress,
      zipcode: city.zip,
      price,
      starRating: float(rng, 3.5, 5, 1),
      averageReviewRating: float(rng, 8, 10, 1),
      weeklyDiscount: float(rng, 0.85, 0.95),
      monthlyDiscount: float(rng, 0.7, 0.85),
      propertyRentTax: null,
      guestPerPersonPerNightTax: null,
      guestStayTax: null,
      guestNightlyTax: null,
      refundableDamageDeposit: Math.round(150 * fx),
      personCapacity,
      maxChildrenAllowed: null,
      maxInfantsAllowed: null,
      maxPetsAllowed: rng() < 0.3 ? 1 : 0,
      lat: Math.round((city.lat + (rng() - 0.5) * 0.04) * 1e5) / 1e5,
      lng: Math.round((city.lng + (rng() - 0.5) * 0.04) * 1e5) / 1e5,
      checkInTimeStart: 15,
      checkInTimeEnd: 22,
      checkOutTime: 11,
      cancellationPolicy: pick(rng, ['flexible', 'moderate', 'strict'] as const),
      squareMeters: 25 + bedrooms * 25 + int(rng, 0, 20),
      roomType: kind.roomType,
      bathroomType: kind.roomType === 'private_room' ? 'shared' : 'private',
      bedroomsNumber: bedrooms,
      bedsNumber: Math.max(1, bedrooms + int(rng, 0, 1)),
      bedType: 'real_bed',
      bathroomsNumber: Math.max(1, Math.ceil(bedrooms / 2)),
      guestBathroomsNumber: Math.max(1, Math.ceil(bedrooms / 2)),
      minNights: weighted(rng, [[1, 30], [2, 35], [3, 25], [5, 10]]),
      maxNights: pick(rng, [30, 60, 90, 365, 1125] as const),
      guestsIncluded: Math.min(personCapacity, 2),
      cleaningFee: Math.round((20 + bedrooms * 12 + rng() * 20) * fx),
      priceForExtraPerson: Math.round(15 * fx),
      instantBookable: rng() < 0.6 ? 1 : 0,
      instantBookableLeadTime: 1,
      allowSameDayBooking: 1,
      sameDayBookingLeadTime: 14,
      contactName: contact.split(' ')[0],
      contactSurName: contact.split(' ').slice(1).join(' '),
      contactPhone1: `+1555${String(int(rng, 1000000, 9999999))}`,
      contactPhone2: null,
      contactLanguage: 'en',
      contactEmail: `${ascii(contact.split(' ')[0])}@example.com`,
      contactAddress: null,
      language: city.language,
      currencyCode: city.currencyCode,
      timeZoneName: city.timeZoneName,
      wifiUsername: `${city.city.replace(/\s/g, '')}Guest`,
      wifiPassword: code(rng, 10),
      cleannessStatus: null,
      cleaningInstruction: null,
      cleannessStatusUpdatedOn: null,
      isRentalAgreementActive: false,
      airbnbListingUrl: `https://www.airbnb.com/rooms/${accountValue(accountId)}${String(id).padStart(4, '0')}`,
      vrboListingUrl: null,
      insuranceEligibilityStatus: false,
      listingAmenities: [2, 3, 9, 21].slice(0, int(rng, 2, 4)).map((amenityId, i) => ({ id: id * 100 + i, amenityId })),
      listingBedTypes: [{ id: id * 10, bedTypeId: 2, quantity: Math.max(1, bedrooms) }],
      listingImages: [1, 2].map((n) => ({
        id: id * 10 + n,
        caption: n === 1 ? 'Living room' : 'Bedroom',
        url: `https://images.example.com/listing/${id}/${n}.jpg`,
        sortOrder: n
      })),
      customFieldValues: [],
      bookingEngineUrls: []
    })
  }
  return out
}

interface Stay { listing: ListingRecord, arrival: number, nights: number }

function generateReservations (rng: Rng, listings: ListingRecord[], baseDay: number, accountId: string): ReservationRecord[] {
  // Per listing, 5–8 stays, one in each equal segment of the span, so confirmed stays never overlap.
  const span = PAST_DAYS + FUTURE_DAYS
  const stays: Stay[] = []
  for (const listing of listings) {
    const k = int(rng, 5, 8)
    const seg = Math.floor(span / k)
    for (let s = 0; s < k; s++) {
      const want = weighted(rng, [[int(rng, 1, 3), 35], [int(rng, 4, 7), 45], [int(rng, 8, 14), 20]])
      const nights = Math.max(listing.minNights, Math.min(want, seg - 1))
      const arrival = baseDay - PAST_DAYS + s * seg + int(rng, 0, seg - nights - 1)
      stays.push({ listing, arrival, nights })
    }
  }
  stays.sort((a, b) => a.arrival - b.arrival || a.listing.id - b.listing.id)
  return stays.map((stay, i) => reservation(rng, i + 1, stay, baseDay, accountId))
}

function reservation (rng: Rng, id: number, { listing, arrival, nights }: Stay, baseDay: number, accountId: string): ReservationRecord {
  const status = weighted(rng, [['new', 68], ['modified', 14], ['cancelled', 10], ['other', 8]])
  const finalStatus = status === 'other' ? pick(rng, ['ownerStay', 'pending', 'awaitingPayment', 'inquiry', 'expired', 'declined'] as const) : status
  const channel = finalStatus === 'ownerStay' ? CHANNELS[3][0] : weighted(rng, CHANNELS)
  const first = pick(rng, FIRST_NAMES)
  const last = pick(rng, LAST_NAMES)
  const origin = pick(rng, GUEST_ORIGINS)
  const guests = int(rng, 1, Number(listing.personCapacity ?? 2))
  const children = guests > 2 && rng() < 0.3 ? int(rng, 1, guests - 2) : 0
  const bookedMs = dayToMs(Math.min(arrival, baseDay) - int(rng, 1, 60)) + int(rng, 0, 86_399) * 1000
  // Last change: the booking itself for new stays, 1 h to 5 days later otherwise, but never after
  // baseDate begins, so that a change made through the API (updatedOn = now) is the latest one.
  const changeMs = finalStatus === 'new' ? 0 : int(rng, 3600, 5 * 86_400) * 1000
  const updatedMs = bookedMs + changeMs % (dayToMs(baseDay) - bookedMs)
  let lodging = 0
  for (let d = arrival; d < arrival + nights; d++) lodging += nightlyPrice(listing, d)
  const cleaningFee = Number(listing.cleaningFee ?? 0)
  const totalPrice = Math.round((lodging + cleaningFee) * 100) / 100
  const channelRef = `${accountId}-${listing.id}-${channel.channelId}-${int(rng, 1_000_000_000, 9_999_999_999)}`
  const confirmationCode = channel.channelName === 'airbnbOfficial'
    ? `HM${code(rng, 8)}`
    : channel.channelName === 'bookingcom' ? String(int(rng, 1_000_000_000, 9_999_999_999)) : code(rng, 10)
  const isCancelled = finalStatus === 'cancelled'
  return {
    id,
    listingMapId: listing.id,
    channelId: channel.channelId,
    source: channel.source,
    channelName: channel.channelName,
    reservationId: channelRef,
    hostawayReservationId: id,
    channelReservationId: channelRef,
    externalPropertyId: null,
    externalRatePlanId: null,
    externalUnitId: null,
    assigneeUserId: null,
    manualIcalId: null,
    manualIcalName: null,
    isProcessed: 1,
    isInitial: 0,
    isManuallyChecked: 0,
    isInstantBooked: listing.instantBookable === 1 ? 1 : 0,
    hasPullError: 0,
    reservationDate: formatDateTime(bookedMs),
    pendingExpireDate: finalStatus === 'pending' ? formatDateTime(bookedMs + 86_400_000) : null,
    guestName: `${first} ${last}`,
    guestFirstName: first,
    guestLastName: last,
    guestExternalAccountId: String(int(rng, 10_000_000, 99_999_999)),
    guestZipCode: origin.zip,
    guestAddress: null,
    guestCity: origin.city,
    guestCountry: origin.country,
    guestEmail: `${ascii(first)}.${ascii(last)}${int(rng, 1, 99)}@example.com`,
    guestPicture: null,
    guestRecommendations: int(rng, 0, 12),
    guestTrips: int(rng, 0, 30),
    guestWork: null,
    numberOfGuests: guests,
    adults: guests - children,
    children: children > 0 ? children : null,
    infants: null,
    pets: null,
    arrivalDate: formatDay(arrival),
    departureDate: formatDay(arrival + nights),
    isDatesUnspecified: 0,
    previousArrivalDate: null,
    previousDepartureDate: null,
    checkInTime: 15,
    checkOutTime: 11,
    nights,
    phone: `+1555${String(int(rng, 1000000, 9999999))}`,
    totalPrice,
    taxAmount: null,
    channelCommissionAmount: channel.channelId === 2000 ? null : Math.round(totalPrice * 0.15 * 100) / 100,
    hostawayCommissionAmount: null,
    cleaningFee,
    securityDepositFee: null,
    isPaid: isCancelled ? 0 : 1,
    paymentMethod: channel.channelId === 2000 ? 'credit_card' : null,
    stripeGuestId: null,
    currency: listing.currencyCode,
    status: finalStatus,
    cancellationDate: isCancelled ? formatDateTime(updatedMs) : null,
    cancelledBy: isCancelled ? pick(rng, ['guest', 'host'] as const) : null,
    hostNote: null,
    guestNote: rng() < 0.2 ? 'Travelling with a baby, a cot would be great.' : null,
    guestLocale: origin.locale,
    doorCode: String(int(rng, 1000, 9999)),
    doorCodeVendor: null,
    doorCodeInstruction: null,
    comment: null,
    confirmationCode,
    isStarred: 0,
    isArchived: 0,
    isPinned: 0,
    customerUserId: null,
    reservationAgreement: 'not_required',
    cancellationPolicy: listing.cancellationPolicy,
    customFieldValues: [],
    reservationFees: [],
    reservationUnit: [],
    financeField: [],
    hostProxyEmail: null,
    insertedOn: formatDateTime(bookedMs),
    updatedOn: formatDateTime(updatedMs),
    latestActivityOn: formatDateTime(updatedMs)
  }
}

function fill (template: string, r: ReservationRecord, l: ListingRecord): string {
  return template
    .replace('{host}', String(l.contactName ?? 'there'))
    .replace('{guest}', String(r.guestFirstName ?? r.guestName))
    .replace('{city}', l.city)
    .replace('{arrival}', r.arrivalDate)
    .replace('{kind}', l.roomType === 'private_room' ? 'room' : 'place')
}

function generateConversations (rng: Rng, listings: ListingRecord[], reservations: ReservationRecord[], accountId: string) {
  const conversations = new Map<number, ConversationRecord>()
  const messages = new Map<number, MessageRecord[]>()
  const offset = conversationIdOffset(reservations.length)
  let nextId = 1
  for (const r of reservations) {
    const listing = listings[r.listingMapId - 1]
    const conversationId = offset + r.id
    const communicationType = r.channelId === 2000 || r.channelId === 2013 ? 'email' : 'channel'
    const list: MessageRecord[] = []
    let t = Date.parse(`${String(r.reservationDate).replace(' ', 'T')}Z`) + int(rng, 5, 120) * 60_000
    let incoming = rng() < 0.7
    const count = int(rng, 1, 5)
    for (let i = 0; i < count; i++) {
      const template = i === 0 ? (incoming ? GUEST_MESSAGES[0] : HOST_MESSAGES[int(rng, 0, 1)]) : pick(rng, incoming ? GUEST_MESSAGES : HOST_MESSAGES)
      const body = fill(template, r, listing)
      const at = formatDateTime(t)
      const id = nextId++
      list.push({
        id,
        accountId: accountValue(accountId),
        listingMapId: r.listingMapId,
        reservationId: r.id,
        conversationId,
        communicationId: null,
        airbnbThreadMessageId: null,
        body,
        communicationType,
        status: 'sent',
        isIncoming: incoming ? 1 : 0,
        isSeen: 1,
        sentUsingHostaway: incoming ? 0 : 1,
        hash: md5(`${id}:${body}`),
        listingTimeZoneName: listing.timeZoneName,
        communicationEvent: null,
        communicationTimeDelta: null,
        communicationApplyListingTimeZone: null,
        communicationAlwaysTrigger: null,
        date: at,
        sentChannelDate: at,
        attachments: [],
        insertedOn: at,
        updatedOn: at
      })
      t += int(rng, 20, 30 * 60) * 60_000
      if (rng() < 0.8) incoming = !incoming
    }
    // An owner stay has no guest to write to, so no conversation (drawn all the same, so that the
    // other conversations do not change with it): the reservations a message cannot reach.
    if (!hasConversation(r)) continue
    messages.set(conversationId, list)
    conversations.set(conversationId, conversation(conversationId, r, list, accountId))
  }
  return { conversations, messages, nextMessageId: nextId }
}

function conversation (id: number, r: ReservationRecord, list: MessageRecord[], accountId: string): ConversationRecord {
  const lastOut = list.findLast((m) => m.isIncoming === 0)
  const lastIn = list.findLast((m) => m.isIncoming === 1)
  const h = md5(`${accountId}:${id}`)
  const hostEmail = hostProxyEmail(accountId, id)
  return {
    id,
    accountId: accountValue(accountId),
    listingMapId: r.listingMapId,
    reservationId: r.id,
    type: r.channelId === 2000 || r.channelId === 2013 ? 'host-guest-email' : 'host-guest-channel',
    recipientEmail: r.guestEmail,
    recipientName: r.guestName,
    recipientPicture: null,
    hostEmail,
    guestEmail: `c-${md5(h).slice(0, 32)}@guest.hostaway.info`,
    hasUnreadMessages: list[list.length - 1]?.isIncoming === 1 ? 1 : 0,
    messageSentOn: lastOut?.insertedOn ?? null,
    messageReceivedOn: lastIn?.insertedOn ?? null,
    isArchived: 0,
    insertedOn: list[0]?.insertedOn ?? r.reservationDate,
    updatedOn: list[list.length - 1]?.insertedOn ?? r.reservationDate
  }
}
