import { Type, type Static } from '@sinclair/typebox'
import { Nullable, PositiveId, Ref, StringEnum } from './common.js'
import { IdempotencyHeadersSchema, MAX_BATCH_TIMEOUT_MS, PartialFailureResponseSchema, sizeRule } from './batch.js'
import { BOOKING_UPDATE_RULES_TEXT, BookingUpdateFieldsSchema } from './booking.js'
import { DryRunFlag } from './dry-run.js'

/**
 * The write operations of issue #23 — calendar updates, guest messages, reservation updates — and the
 * availability search: request bodies and per-item results (the reservation fields an update may
 * change: schemas/booking.ts, as listing.ts holds a listing's; the dry-run answer: schemas/dry-run.ts). Contract
 * (docs/contract.md, "Write operations"); the routes: routes/api/calendar, routes/api/batch/messages,
 * routes/api/bookings/batch, routes/api/listings/available.
 *
 * Field names: the gateway's own (snake_case) for the calendar and messages, which are new shapes;
 * Hostaway's own for reservation fields, as listing updates do (an update is a patch of the Hostaway
 * object). The schemas check types; the per-item rules (services/writes/*-rules.ts) check the rest,
 * so an item that breaks one fails alone as validation_error with attempts 0.
 */

/** Most updates one calendar batch may carry. */
export const MAX_CALENDAR_UPDATES = 500
/** Most messages one batch may send. */
export const MAX_BATCH_MESSAGES = 100
/** Hostaway's communication types for a sent message (conversation_sendConversationMessage.md). */
export const COMMUNICATION_TYPES = ['email', 'channel', 'sms', 'whatsapp'] as const
export type CommunicationType = typeof COMMUNICATION_TYPES[number]

const TimeoutMs = (what: string) => Type.Integer({ minimum: 1, maximum: MAX_BATCH_TIMEOUT_MS, description: `Deadline for the whole batch in ms (1..${MAX_BATCH_TIMEOUT_MS}; default BATCH_TIMEOUT_MS): ${what}` })
const DateField = (description: string) => Type.String({ format: 'date', description: `${description} (YYYY-MM-DD)`, example: '2027-01-15' })

// ── calendar ───────────────────────────────────────────────────────────────────────────────────

/** Bounds of the calendar fields (per-item rules, services/writes/calendar-rules.ts). */
export const CALENDAR_UPDATE_BOUNDS = {
  price: { min: 0, max: 1_000_000 },
  minimum_stay: { min: 1, max: 1125 },
  maximum_stay: { min: 1, max: 1125 },
  note: { min: 0, max: 2000 }
} as const
/** How far ahead a range may end (years after today, UTC). */
export const CALENDAR_MAX_YEARS_AHEAD = 2

export const CALENDAR_RULES_TEXT = 'Per-item rules: start_date and end_date real days, end_date >= start_date, end_date at most ' +
  `${CALENDAR_MAX_YEARS_AHEAD} years after today (UTC), at least one field besides the dates, minimum_stay <= maximum_stay, ` +
  'each field within its bounds; two updates of one listing whose ranges overlap are both refused, each naming the other. ' +
  'An item that breaks a rule fails alone as validation_error with attempts 0; the other items proceed.'

/** The fields a calendar update sets on every day of its range; what is not given is left as it is. */
export const CalendarUpdateFieldsSchema = Type.Object({
  price: Type.Optional(Type.Number({ description: `Nightly price: ${CALENDAR_UPDATE_BOUNDS.price.min}..${CALENDAR_UPDATE_BOUNDS.price.max} in the listing currency`, example: 180 })),
  is_available: Type.Optional(Type.Boolean({ description: 'false blocks the days, true opens them (days a reservation holds stay reserved)', example: false })),
  minimum_stay: Type.Optional(Type.Integer({ description: 'Minimum nights of a stay starting on the day: 1..1125, not above maximum_stay', example: 2 })),
  maximum_stay: Type.Optional(Type.Integer({ description: 'Maximum nights: 1..1125, not below minimum_stay', example: 30 })),
  closed_on_arrival: Type.Optional(Type.Boolean({ description: 'No arrival on the day' })),
  closed_on_departure: Type.Optional(Type.Boolean({ description: 'No departure on the day' })),
  note: Type.Optional(Type.String({ description: 'Note on the day: 0..2000 characters ("" clears it)' }))
}, { additionalProperties: false })
export type CalendarUpdateFields = Static<typeof CalendarUpdateFieldsSchema>
export type CalendarUpdateField = keyof CalendarUpdateFields

export const CalendarUpdateItemSchema = Type.Object({
  listing_id: PositiveId('The listing whose calendar to change'),
  start_date: DateField('First day of the range'),
  end_date: DateField('Last day of the range, included'),
  ...CalendarUpdateFieldsSchema.properties
}, { additionalProperties: false, description: `A date range of one listing and the fields to set on each of its days. ${CALENDAR_RULES_TEXT}` })
export type CalendarUpdateItem = Static<typeof CalendarUpdateItemSchema>

/** Body of PATCH /api/calendar/batch. */
export const BatchCalendarUpdateBodySchema = Type.Object({
  updates: Type.Array(CalendarUpdateItemSchema, {
    minItems: 1,
    maxItems: MAX_CALENDAR_UPDATES,
    description: `Ranges to update (1..${MAX_CALENDAR_UPDATES}); the ranges of one listing go upstream together, in as few calls as Hostaway allows`
  }),
  timeout_ms: Type.Optional(TimeoutMs('a write sent but not answered by then fails as outcome_unknown')),
  dry_run: Type.Optional(DryRunFlag)
}, { $id: 'BatchCalendarUpdateRequest', additionalProperties: false })
export type BatchCalendarUpdateBody = Static<typeof BatchCalendarUpdateBodySchema>

/** `data` of a calendar update that was applied: what was set, and which upstream call carried it. */
export const CalendarUpdateResultSchema = Type.Object({
  listing_id: Type.Integer({ minimum: 1, example: 12 }),
  start_date: Type.String({ format: 'date', example: '2027-01-15' }),
  end_date: Type.String({ format: 'date', example: '2027-01-17' }),
  days: Type.Integer({ minimum: 1, description: 'Days in the range', example: 3 }),
  fields: Type.Array(Type.String(), { description: 'The fields set, with Hostaway names (e.g. price, minimumStay)', example: ['price'] }),
  call: Type.Object({
    method: Type.Literal('PUT'),
    path: Type.String({ description: 'The upstream path, e.g. /listings/12/calendarIntervals', example: '/listings/12/calendarIntervals' }),
    items: Type.Array(Type.Integer({ minimum: 0 }), { description: 'Indexes of every update this call carried (a failed call fails them all alike)', example: [0, 3] })
  }, { additionalProperties: false })
}, { $id: 'CalendarUpdateResult', additionalProperties: false, description: 'A calendar range applied' })
export type CalendarUpdateResult = Static<typeof CalendarUpdateResultSchema>

// ── messages ───────────────────────────────────────────────────────────────────────────────────

export const MESSAGE_BODY_MAX = 20_000

export const MessageItemSchema = Type.Object({
  booking_id: PositiveId('The reservation whose guest to write to'),
  body: Type.String({ minLength: 1, maxLength: MESSAGE_BODY_MAX, description: `Message text: 1..${MESSAGE_BODY_MAX} characters, not blank. Never logged nor audited (only its length and hash)`, example: 'Hi! Check-in is from 15:00; the door code follows on the day.' }),
  communication_type: Type.Optional(StringEnum(COMMUNICATION_TYPES, { description: 'How Hostaway delivers it (Hostaway default: email)' }))
}, { additionalProperties: false })
export type MessageItem = Static<typeof MessageItemSchema>

/** Body of POST /api/batch/messages (Idempotency-Key required). */
export const BatchMessagesBodySchema = Type.Object({
  messages: Type.Array(MessageItemSchema, { minItems: 1, maxItems: MAX_BATCH_MESSAGES, description: `Messages to send (1..${MAX_BATCH_MESSAGES}); each is sent at most once, never retried once it may have reached Hostaway` }),
  timeout_ms: Type.Optional(TimeoutMs('a send not answered by then fails as outcome_unknown; one not started fails as unprocessed')),
  dry_run: Type.Optional(DryRunFlag)
}, { $id: 'BatchMessagesRequest', additionalProperties: false })
export type BatchMessagesBody = Static<typeof BatchMessagesBodySchema>

/** `data` of a message sent: where it went; the body is not echoed (its length and hash identify it). */
export const MessageSendResultSchema = Type.Object({
  booking_id: Type.Integer({ minimum: 1, example: 1 }),
  conversation_id: Type.Integer({ minimum: 1, example: 1001 }),
  message_id: Type.Integer({ minimum: 1, example: 5120 }),
  communication_type: Nullable(Type.String({ example: 'email' })),
  status: Nullable(Type.String({ description: "Hostaway's status of the new message (sent, awaiting, …)", example: 'sent' })),
  body_length: Type.Integer({ minimum: 1, description: 'Characters in the body', example: 61 }),
  body_sha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the body (UTF-8), hex' })
}, { $id: 'MessageSendResult', additionalProperties: false, description: 'A message sent' })
export type MessageSendResult = Static<typeof MessageSendResultSchema>

// ── reservations ───────────────────────────────────────────────────────────────────────────────

export const BookingUpdateItemSchema = Type.Object({
  booking_id: PositiveId('The reservation to update'),
  ...BookingUpdateFieldsSchema.properties
}, { additionalProperties: false, minProperties: 2, description: `booking_id plus at least one field to change (Hostaway field names). ${BOOKING_UPDATE_RULES_TEXT}` })
export type BookingUpdateItem = Static<typeof BookingUpdateItemSchema>

/** Body of PATCH /api/bookings/batch; its size limit is BATCH_MAX_ITEMS, as for listing updates. Answer: PartialFailureResponse_Booking. */
export function BatchBookingUpdateBodySchema (maxItems: number, jobMaxItems?: number) {
  const size = sizeRule(maxItems, jobMaxItems)
  return Type.Object({
    updates: Type.Array(BookingUpdateItemSchema, { minItems: 1, maxItems: size.maxItems, description: `Updates to apply (${size.text}); each booking_id at most once` }),
    timeout_ms: Type.Optional(TimeoutMs('a write sent but not answered by then fails as outcome_unknown')),
    dry_run: Type.Optional(DryRunFlag)
  }, { $id: 'BatchBookingUpdateRequest', additionalProperties: false })
}
export type BatchBookingUpdateBody = Static<ReturnType<typeof BatchBookingUpdateBodySchema>>

// ── availability ───────────────────────────────────────────────────────────────────────────────

/** Longest range an availability search may span (days, both ends included). */
export const MAX_AVAILABILITY_DAYS = 366

/** Query of GET /api/listings/available; the answer is a ListingPage. */
export const AvailableListingsQuerySchema = Type.Object({
  start_date: Type.String({ format: 'date', description: 'First night wanted (YYYY-MM-DD)', examples: ['2027-01-15'] }),
  end_date: Type.String({ format: 'date', description: `Last night wanted, included (the departure is the day after); not before start_date, at most ${MAX_AVAILABILITY_DAYS} days in all`, examples: ['2027-01-17'] }),
  guests: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'Only listings that hold at least this many guests', examples: [4] })),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Items per page (1..100)' }),
  offset: Type.Integer({ minimum: 0, maximum: 10_000_000, default: 0, description: 'Items to skip' })
}, { additionalProperties: false })
export type AvailableListingsQuery = Static<typeof AvailableListingsQuerySchema>

// ── answers, registered (schemas/index.ts) ────────────────────────────────────────────────────

/** The answer of a calendar batch: every range once (`data`: CalendarUpdateResult). */
export const PartialFailureResponseCalendarSchema = PartialFailureResponseSchema(Ref(CalendarUpdateResultSchema), 'CalendarUpdateResult')
/** The answer of a message batch: every message once (`data`: MessageSendResult, never the body). */
export const PartialFailureResponseMessageSchema = PartialFailureResponseSchema(Ref(MessageSendResultSchema), 'MessageSendResult')

/** The Idempotency-Key of POST /api/batch/messages: required (a send is never repeated, so a resend must be recognised). */
export const RequiredIdempotencyHeadersSchema = Type.Object({
  'idempotency-key': Type.String({
    // the rule of the optional header, not its Optional marker (a symbol key a spread would copy)
    minLength: IdempotencyHeadersSchema.properties['idempotency-key'].minLength,
    maxLength: IdempotencyHeadersSchema.properties['idempotency-key'].maxLength,
    pattern: IdempotencyHeadersSchema.properties['idempotency-key'].pattern,
    description: 'Required: the same key and body replay the stored result, sending nothing (kept BATCH_IDEMPOTENCY_TTL_MS); the same key with another body is 422; the same key still running is 409',
    example: 'checkin-note-2027-01-15'
  })
})
