import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { Nullable, StringEnum } from './common.js'

/**
 * A write's dry run (`dry_run: true` in its body): the items checked and the upstream calls
 * planned, nothing sent — and the 200 of a write route, which is that or its PartialFailureResponse.
 * The bodies that take `dry_run`: schemas/writes.ts (calendar, messages, reservations).
 */

/** `dry_run` of a write body. */
export const DryRunFlag = Type.Boolean({
  default: false,
  description: 'true: validate and plan, send nothing; the answer is a DryRunResponse (items, the upstream calls that would be made, the earliest finish at the current budget)'
})

export const WRITE_OPERATIONS = ['calendar_update', 'message_send', 'booking_update', 'listing_update'] as const
export type WriteOperation = typeof WRITE_OPERATIONS[number]

export const PlannedCallSchema = Type.Object({
  kind: StringEnum(['read', 'write'] as const, { description: 'read: a lookup before the write (may be served from the cache); write: what changes Hostaway' }),
  method: Type.String({ example: 'PUT' }),
  path: Type.String({ description: 'The upstream path', example: '/listings/12/calendarIntervals' }),
  items: Type.Array(Type.Integer({ minimum: 0 }), { description: 'Indexes of the items the call serves' })
}, { additionalProperties: false })
export type PlannedCall = Static<typeof PlannedCallSchema>

export const DryRunItemSchema = Type.Object({
  index: Type.Integer({ minimum: 0 }),
  operation_id: Type.String(),
  valid: Type.Boolean({ description: 'false: the item breaks a per-item rule and would fail as validation_error' }),
  error: Nullable(Type.String({ description: 'The rule broken, as the real run would report it' })),
  calls: Type.Array(Type.Integer({ minimum: 0 }), { description: 'Indexes into upstream_calls of the calls that would carry the item' })
}, { additionalProperties: false })
export type DryRunItem = Static<typeof DryRunItemSchema>

/** The answer of a write with dry_run: true — nothing was sent. */
export const DryRunResponseSchema = Type.Object({
  dry_run: Type.Literal(true),
  operation: StringEnum(WRITE_OPERATIONS, { description: 'The write that would run' }),
  total_count: Type.Integer({ minimum: 0 }),
  valid_count: Type.Integer({ minimum: 0 }),
  invalid_count: Type.Integer({ minimum: 0 }),
  items: Type.Array(DryRunItemSchema, { description: 'Every item once, in request order' }),
  upstream_calls: Type.Array(PlannedCallSchema, { description: 'The upstream calls the run would make, reads (at most) first' }),
  upstream_call_count: Type.Integer({ minimum: 0 }),
  write_call_count: Type.Integer({ minimum: 0 }),
  earliest_finish_ms: Type.Integer({ minimum: 0, description: 'From now, the earliest the last call could start at the current upstream budget, plus the nominal call time: a lower bound' }),
  earliest_finish_at: Type.String({ format: 'date-time', description: 'The same as a time (ISO 8601, UTC)' })
}, { $id: 'DryRunResponse', additionalProperties: false, description: 'What a write would send: checked and planned, not sent' })
export type DryRunResponse = Static<typeof DryRunResponseSchema>

/**
 * The 200 of a write route: the batch's PartialFailureResponse, or with `dry_run: true` the
 * DryRunResponse (nothing sent). `$ref`s to the registered models, with what OpenAPI shows next to them.
 */
export function writeAnswer<T> (partialFailureId: string, doc: { example: unknown, headers?: Record<string, TSchema> }) {
  return Type.Unsafe<T>({
    anyOf: [Type.Ref(partialFailureId), Type.Ref(DryRunResponseSchema.$id as string)],
    description: 'The batch ran: every item once, in successful or failed (PartialFailureResponse); with dry_run: true, what would be sent (DryRunResponse), nothing sent',
    examples: [doc.example],
    ...(doc.headers === undefined ? {} : { headers: doc.headers })
  })
}
