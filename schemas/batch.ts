import { Type, type Static, type TSchema, type TUnknown } from '@sinclair/typebox'
import { Documented, ErrorTypeSchema, Nullable, PositiveId, Ref, type ErrorType } from './common.js'
import { LISTING_UPDATE_RULES_TEXT, ListingSchema, ListingUpdateFieldsSchema, type Listing } from './listing.js'
import { BookingSchema, type Booking } from './booking.js'
import { BATCH_LISTING_UPDATE_EXAMPLES, BATCH_LOOKUP_EXAMPLE, PARTIAL_FAILURE_LISTING_EXAMPLE } from './examples.js'

/** The fields of an OperationResult other than `data` — contract (docs/contract.md). */
const operationResultFields = {
  success: Type.Boolean({ description: 'Whether this item succeeded' }),
  error: Nullable(Type.String({ description: 'Human-readable message on failure (e.g. "GET /listings/999999 → HTTP 404: Listing not found"), null on success' })),
  operation_id: Nullable(Type.String({ description: "The item's identifier as a string (e.g. \"999999\")" })),
  index: Type.Integer({ minimum: 0, description: 'Position of this item in the request (0-based)' }),
  error_type: Type.Union([Ref(ErrorTypeSchema), Type.Null()], { description: 'Failure category (null on success)' }),
  status_code: Nullable(Type.Integer({ minimum: 400, maximum: 599, description: 'The HTTP status the single-item route would have answered for this failure (e.g. 404), null on success' })),
  retryable: Type.Boolean({ description: 'True when sending this item again may succeed' }),
  retry_after_ms: Nullable(Type.Integer({ minimum: 0, description: 'Hint for retryable failures (ms)' })),
  remediation: Nullable(Type.String({ description: 'What the caller can do about a failure' })),
  attempts: Type.Integer({ minimum: 0, description: 'Upstream attempts made for this item (0 = never sent)' })
}

/** OperationResult<T>: one item of a batch. */
export function OperationResultSchema<T extends TSchema> (data: T, options: { $id?: string } = {}) {
  return Type.Object({
    ...operationResultFields,
    data: Nullable(data)
  }, { additionalProperties: false, description: 'Result of one item of a batch', ...options })
}

/** PartialFailureResponse<T>: every item exactly once, in `successful` or `failed`, each in request order. */
export function PartialFailureResponseSchema<T extends TSchema> (data: T, name: string, examples: unknown[] = []) {
  const item = OperationResultSchema(data)
  return Type.Object({
    successful: Type.Array(item, { description: 'Items that succeeded, in request order' }),
    failed: Type.Array(item, { description: 'Items that failed, in request order' }),
    total_count: Type.Integer({ minimum: 0, description: 'Items in the request' }),
    success_count: Type.Integer({ minimum: 0 }),
    failure_count: Type.Integer({ minimum: 0 }),
    has_failures: Type.Boolean({ description: 'failure_count > 0' }),
    has_successes: Type.Boolean({ description: 'success_count > 0' }),
    partial_success: Type.Boolean({ description: 'Both successes and failures' })
  }, {
    $id: `PartialFailureResponse_${name}`,
    additionalProperties: false,
    description: `Outcome of a batch of ${name} items: every success plus a categorized report of every failure`,
    ...(examples.length === 0 ? {} : { examples })
  })
}

export const PartialFailureResponseListingSchema = PartialFailureResponseSchema(Ref(ListingSchema), 'Listing', [PARTIAL_FAILURE_LISTING_EXAMPLE])
export const PartialFailureResponseBookingSchema = PartialFailureResponseSchema(Ref(BookingSchema), 'Booking')

/** TypeScript view of the contract, generic over the payload. */
type OperationResultUnknown = Static<ReturnType<typeof OperationResultSchema<TUnknown>>>
export type OperationResult<T> = Omit<OperationResultUnknown, 'data' | 'error_type'> & {
  data: T | null
  error_type: ErrorType | null
}
type PartialFailureResponseUnknown = Static<ReturnType<typeof PartialFailureResponseSchema<TUnknown>>>
export type PartialFailureResponse<T> = Omit<PartialFailureResponseUnknown, 'successful' | 'failed'> & {
  successful: Array<OperationResult<T>>
  failed: Array<OperationResult<T>>
}

/** `timeout_ms` of a batch body. */
/** The longest deadline a batch body may ask for (ms). */
export const MAX_BATCH_TIMEOUT_MS = 300_000
const TimeoutMs = (what: string) => Type.Integer({ minimum: 1, maximum: MAX_BATCH_TIMEOUT_MS, description: `Deadline for the whole batch in ms (1..300000; default BATCH_TIMEOUT_MS): ${what}` })

/**
 * The batch bodies are named components whose size limit comes from BATCH_MAX_ITEMS, so they are
 * built at registration (schemas/index.ts); their `$id`s are fixed here, and their refs use them.
 */
const BATCH_LOOKUP_REQUEST = 'BatchLookupRequest'
const BATCH_LISTING_UPDATE_REQUEST = 'BatchListingUpdateRequest'

/**
 * The size rule of a batch body: 1..`maxItems` items in one request; a route that also runs
 * batches as jobs (Prefer: respond-async) admits up to `jobMaxItems` (JOB_MAX_ITEMS) and checks
 * the smaller limit of a request itself (plugins/app/jobs.ts).
 */
export function sizeRule (maxItems: number, jobMaxItems: number | undefined) {
  if (jobMaxItems === undefined) return { maxItems, text: `1..${maxItems} of them` }
  return { maxItems: Math.max(maxItems, jobMaxItems), text: `1..${maxItems} of them; up to ${jobMaxItems} with Prefer: respond-async, as a job` }
}

/** Body of POST /api/batch/listings and /api/batch/bookings. */
export function BatchLookupBodySchema (maxItems: number, jobMaxItems?: number) {
  const size = sizeRule(maxItems, jobMaxItems)
  return Type.Object({
    ids: Type.Array(PositiveId(), { minItems: 1, maxItems: size.maxItems, description: `Ids to look up (${size.text}); duplicates share one upstream call` }),
    timeout_ms: Type.Optional(TimeoutMs('items not sent by then fail as unprocessed'))
  }, { $id: BATCH_LOOKUP_REQUEST, additionalProperties: false })
}
export type BatchLookupBody = Static<ReturnType<typeof BatchLookupBodySchema>>

/** Body of PATCH /api/listings/batch. */
export function BatchListingUpdateBodySchema (maxItems: number, jobMaxItems?: number) {
  const size = sizeRule(maxItems, jobMaxItems)
  return Type.Object({
    updates: Type.Array(
      Type.Object({
        listing_id: PositiveId('The listing to update'),
        ...ListingUpdateFieldsSchema.properties
      }, {
        additionalProperties: false,
        minProperties: 2,
        description: `listing_id plus at least one field to change (Hostaway field names). ${LISTING_UPDATE_RULES_TEXT}`
      }),
      { minItems: 1, maxItems: size.maxItems, description: `Updates to apply (${size.text}); each listing_id at most once` }
    ),
    timeout_ms: Type.Optional(TimeoutMs('a write sent but not answered by then fails as outcome_unknown'))
  }, { $id: BATCH_LISTING_UPDATE_REQUEST, additionalProperties: false })
}
export type BatchListingUpdateBody = Static<ReturnType<typeof BatchListingUpdateBodySchema>>

/**
 * `$ref`s to the batch models registered at the root (schemas/index.ts), with the examples OpenAPI
 * shows next to them (Swagger UI pre-fills a request body with the first one).
 */
export const BatchLookupBodyRef = Documented<BatchLookupBody>(BATCH_LOOKUP_REQUEST, { examples: [BATCH_LOOKUP_EXAMPLE] })
export const BatchListingUpdateBodyRef = Documented<BatchListingUpdateBody>(BATCH_LISTING_UPDATE_REQUEST, { examples: BATCH_LISTING_UPDATE_EXAMPLES })
export function partialFailureListingResponse (doc: { headers?: Record<string, TSchema>, example?: PartialFailureResponse<Listing> } = {}) {
  return Documented<PartialFailureResponse<Listing>>(PartialFailureResponseListingSchema.$id, {
    description: 'The batch ran: every item once, in successful or failed',
    examples: [doc.example ?? PARTIAL_FAILURE_LISTING_EXAMPLE],
    ...(doc.headers === undefined ? {} : { headers: doc.headers })
  })
}
export const PartialFailureResponseListingRef = partialFailureListingResponse()
export const PartialFailureResponseBookingRef = Documented<PartialFailureResponse<Booking>>(PartialFailureResponseBookingSchema.$id, {
  description: 'The batch ran: every item once, in successful or failed'
})

export const IdempotencyHeadersSchema = Type.Object({
  'idempotency-key': Type.Optional(Type.String({
    minLength: 1,
    maxLength: 255,
    pattern: '^[\\x21-\\x7E]+$',
    description: 'Makes the batch safe to resend: the same key and body replay the stored result (kept BATCH_IDEMPOTENCY_TTL_MS); the same key with another body is 422; the same key still running is 409'
  }))
})
