import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { RESERVATION_SORT_ORDERS } from './reservation-order.js'

/**
 * Route schemas of the simulated Hostaway API. Querystrings accept unknown parameters (Hostaway has
 * many: includeResources, sortOrder, …) and ignore them; known ones are validated (400 on bad values).
 */

/** reservation_reservationStatuses.md */
export const RESERVATION_STATUSES = [
  'new', 'modified', 'cancelled', 'ownerStay', 'pending', 'awaitingPayment', 'declined', 'expired',
  'unconfirmed', 'awaitingGuestVerification', 'inquiry', 'inquiryPreapproved', 'inquiryDenied',
  'inquiryTimedout', 'inquiryNotPossible', 'unknown'
] as const

const Id = Type.Integer({ minimum: 1, description: 'Hostaway id' })
const Limit = Type.Integer({ minimum: 1, description: 'Maximum number of items' })
const Offset = Type.Integer({ minimum: 0, description: 'Items to skip' })
const Flag = Type.Integer({ minimum: 0, maximum: 1 })
const Day = Type.String({ format: 'date', description: 'YYYY-MM-DD' })
const Opt = Type.Optional

export const IdParams = Type.Object({ id: Id })
export const MessageParams = Type.Object({ id: Id, messageId: Id })

/** limit / offset of every list endpoint */
const Paging = { limit: Opt(Limit), offset: Opt(Offset) }

export const ListingsQuerySchema = Type.Object({
  ...Paging,
  city: Opt(Type.String()),
  country: Opt(Type.String()),
  match: Opt(Type.String({ description: 'Case-insensitive substring of the listing name' })),
  availabilityDateStart: Opt(Type.String({ format: 'date', description: 'With availabilityDateEnd: only listings open on every day from this one…' })),
  availabilityDateEnd: Opt(Type.String({ format: 'date', description: '…to this one, both included (the sandbox\'s reading; Hostaway does not say)' })),
  availabilityGuestNumber: Opt(Type.Integer({ minimum: 1, description: 'Only listings whose personCapacity is at least this' })),
  includeResources: Opt(Flag)
})
export type ListingsQuery = Static<typeof ListingsQuerySchema>

export const CalendarQuerySchema = Type.Object({
  startDate: Opt(Day),
  endDate: Opt(Day),
  includeResources: Opt(Flag)
})
export type CalendarQuery = Static<typeof CalendarQuerySchema>

export const ReservationsQuerySchema = Type.Object({
  limit: Opt(Type.Integer({ minimum: 1, description: 'Maximum number of items (default 100)' })),
  offset: Opt(Type.Integer({ minimum: 0, description: 'Deprecated: items to skip; ignored when afterId is given' })),
  afterId: Opt(Type.Integer({ minimum: 1, description: 'Cursor: the id of the last reservation of the previous page; the page starts after it in the sort order' })),
  sortOrder: Opt(Type.Union(RESERVATION_SORT_ORDERS.map((s) => Type.Literal(s)), { description: 'Default: updatedOn DESC, id DESC' })),
  listingId: Opt(Id),
  channelId: Opt(Type.Integer()),
  match: Opt(Type.String({ description: 'Case-insensitive substring of the guest name' })),
  guestEmail: Opt(Type.String()),
  status: Opt(Type.String({ description: 'Extra filter (not in Hostaway docs): exact status' })),
  arrivalStartDate: Opt(Day),
  arrivalEndDate: Opt(Day),
  departureStartDate: Opt(Day),
  departureEndDate: Opt(Day),
  includeResources: Opt(Flag),
  includeCancellationPolicy: Opt(Flag)
})
export type ReservationsQuery = Static<typeof ReservationsQuerySchema>

export const ConversationsQuerySchema = Type.Object({
  reservationId: Opt(Id),
  ...Paging,
  includeResources: Opt(Flag)
})
export type ConversationsQuery = Static<typeof ConversationsQuerySchema>

export const MessagesQuerySchema = Type.Object({
  ...Paging,
  includeScheduledMessages: Opt(Flag)
})
export type MessagesQuery = Static<typeof MessagesQuerySchema>

const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()])

/** PUT /listings/:id — the fields given are merged into the listing; known fields are type-checked. */
export const ListingUpdateBodySchema = Type.Object({
  name: Opt(Type.String({ minLength: 1, maxLength: 255 })),
  price: Opt(Type.Number({ minimum: 0 })),
  personCapacity: Opt(Nullable(Type.Integer({ minimum: 1 }))),
  bedroomsNumber: Opt(Nullable(Type.Integer({ minimum: 0 }))),
  bathroomsNumber: Opt(Nullable(Type.Number({ minimum: 0 }))),
  minNights: Opt(Type.Integer({ minimum: 1 })),
  maxNights: Opt(Type.Integer({ minimum: 1 })),
  cleaningFee: Opt(Nullable(Type.Number({ minimum: 0 }))),
  city: Opt(Type.String()),
  countryCode: Opt(Type.String({ minLength: 2, maxLength: 2 })),
  currencyCode: Opt(Type.String({ minLength: 3, maxLength: 3 })),
  description: Opt(Nullable(Type.String())),
  houseRules: Opt(Nullable(Type.String()))
}, { additionalProperties: true })
export type ListingUpdateBody = Static<typeof ListingUpdateBodySchema>

/** PUT /reservations/:id — merged like listings; listingMapId cannot be changed (ignored). */
export const ReservationUpdateBodySchema = Type.Object({
  arrivalDate: Opt(Day),
  departureDate: Opt(Day),
  status: Opt(Type.Union(RESERVATION_STATUSES.map((s) => Type.Literal(s)))),
  numberOfGuests: Opt(Type.Integer({ minimum: 1 })),
  adults: Opt(Nullable(Type.Integer({ minimum: 0 }))),
  children: Opt(Nullable(Type.Integer({ minimum: 0 }))),
  totalPrice: Opt(Type.Number({ minimum: 0 })),
  guestName: Opt(Type.String()),
  guestFirstName: Opt(Nullable(Type.String())),
  guestLastName: Opt(Nullable(Type.String())),
  guestEmail: Opt(Nullable(Type.String())),
  hostNote: Opt(Nullable(Type.String())),
  guestNote: Opt(Nullable(Type.String())),
  comment: Opt(Nullable(Type.String()))
}, { additionalProperties: true })
export type ReservationUpdateBody = Static<typeof ReservationUpdateBodySchema>

/**
 * One interval of a calendar write (calendar_calendarDayObject.md plus the two dates): the body of
 * PUT /listings/:id/calendar, an element of PUT /listings/:id/calendarIntervals. Booleans are 0/1;
 * other day-object fields (id, date, status, …) are accepted and ignored.
 */
export const CalendarIntervalSchema = Type.Object({
  startDate: Day,
  endDate: Day,
  isAvailable: Opt(Flag),
  price: Opt(Type.Number({ minimum: 0 })),
  minimumStay: Opt(Type.Integer({ minimum: 1 })),
  maximumStay: Opt(Type.Integer({ minimum: 1 })),
  closedOnArrival: Opt(Nullable(Flag)),
  closedOnDeparture: Opt(Nullable(Flag)),
  note: Opt(Nullable(Type.String())),
  isProcessed: Opt(Nullable(Flag)),
  desiredUnitsToSell: Opt(Nullable(Type.Integer({ minimum: 0 })))
}, { additionalProperties: true })
export type CalendarInterval = Static<typeof CalendarIntervalSchema>

/** The documented maximum of PUT /listings/:id/calendarIntervals. */
export const MAX_CALENDAR_INTERVALS = 200
export const CalendarIntervalsBodySchema = Type.Array(CalendarIntervalSchema, { minItems: 1, maxItems: MAX_CALENDAR_INTERVALS })

export const ReservationUpdateQuerySchema = Type.Object({
  forceOverbooking: Opt(Flag)
})

export const MessageBodySchema = Type.Object({
  body: Type.String({ minLength: 1 }),
  communicationType: Opt(Type.Union(['email', 'channel', 'sms', 'whatsapp'].map((c) => Type.Literal(c))))
})
export type MessageBody = Static<typeof MessageBodySchema>

/** POST /accessTokens — all optional here: missing or wrong credentials answer 403, as Hostaway does. */
export const TokenBodySchema = Type.Object({
  grant_type: Opt(Type.String()),
  // an account id: form bodies send text, JSON bodies may send the number
  client_id: Opt(Type.Union([Type.String(), Type.Integer()])),
  client_secret: Opt(Type.String()),
  scope: Opt(Type.String())
})
export type TokenBody = Static<typeof TokenBodySchema>

export const RevokeQuery = Type.Object({ token: Type.String({ minLength: 1 }) })

export const ResetBody = Type.Object({
  data: Opt(Type.Boolean({ description: 'also regenerate the data from the seed' }))
}, { additionalProperties: false })

// ── responses ──────────────────────────────────────────────────────────────────────────────────

export const Fail = Type.Object({ status: Type.Literal('fail'), message: Type.String() })

/** Hostaway's standard envelope. */
export function Envelope<T extends TSchema> (result: T) {
  return Type.Object({
    status: Type.Literal('success'),
    result,
    count: Type.Integer(),
    limit: Nullable(Type.Integer()),
    offset: Nullable(Type.Integer()),
    page: Type.Integer(),
    totalPages: Type.Integer()
  })
}

/** Response map of a data route: the envelope on 200, `{ status: 'fail', message }` otherwise. */
export function responses<T extends TSchema> (result: T) {
  return { 200: Envelope(result), 400: Fail, 403: Fail, 404: Fail, 429: Fail }
}

// Hostaway objects: the typed fields are checked, every other field is passed through.
const Open = <P extends Parameters<typeof Type.Object>[0]>(props: P) => Type.Object(props, { additionalProperties: true })

export const ListingOut = Open({ id: Type.Integer(), name: Type.String() })
export const CalendarDayOut = Open({ id: Type.Integer(), date: Type.String(), isAvailable: Type.Integer(), status: Type.String() })
export const ReservationOut = Open({ id: Type.Integer(), listingMapId: Type.Integer(), arrivalDate: Type.String(), departureDate: Type.String(), status: Type.String() })
export const ConversationOut = Open({ id: Type.Integer(), listingMapId: Type.Integer(), reservationId: Type.Integer() })
export const MessageOut = Open({ id: Type.Integer(), conversationId: Type.Integer(), body: Type.String(), isIncoming: Type.Integer() })
