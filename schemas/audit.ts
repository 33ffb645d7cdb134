import { Type, type Static } from '@sinclair/typebox'
import { ERROR_TYPES } from './common.js'

/**
 * One line of the audit log (AUDIT_LOG, README "Audit log"): one item of a batch listing update,
 * REST or MCP. It names the fields changed, never their values, and the caller by its key id,
 * never the key; the Idempotency-Key only as a hash.
 */
export const AuditEntrySchema = Type.Object({
  audit: Type.Literal('listing_update', { description: 'What was written' }),
  request_id: Type.Union([Type.String(), Type.Null()], { description: 'The request id (X-Request-Id)' }),
  key_id: Type.String({ description: "The caller: the first 12 hex digits of its API key's SHA-256, or 'open' when API_KEYS is unset" }),
  listing_id: Type.Integer({ minimum: 1 }),
  index: Type.Integer({ minimum: 0, description: 'Position of the update in the request' }),
  fields: Type.Array(Type.String(), { description: 'Names of the fields the update sets (never their values)' }),
  outcome: Type.Union([Type.Literal('success'), Type.Literal('failure')]),
  error_type: Type.Union([Type.Union(ERROR_TYPES.map((t) => Type.Literal(t))), Type.Null()], { description: 'Failure category (outcome_unknown: it may have been applied)' }),
  attempts: Type.Integer({ minimum: 0, description: 'Upstream attempts (0: never sent)' }),
  idempotency_key_hash: Type.Union([Type.String({ pattern: '^[0-9a-f]{16}$' }), Type.Null()], {
    description: "The first 16 hex digits of the Idempotency-Key's SHA-256, null without one"
  }),
  replayed: Type.Boolean({ description: 'The stored result of an earlier request with the same Idempotency-Key was replayed: nothing was sent now' })
}, { additionalProperties: false })

export type ListingAuditEntry = Static<typeof AuditEntrySchema>

/**
 * One line of the audit log for an item of the #23 writes (calendar ranges, guest messages,
 * reservation updates): the same who/how/outcome fields as a listing update, the target by id, the
 * fields' names (never their values) — and for a message only its length and SHA-256, never its text.
 */
export const WriteAuditEntrySchema = Type.Object({
  audit: Type.Union([Type.Literal('calendar_update'), Type.Literal('message_send'), Type.Literal('booking_update')], { description: 'What was written' }),
  request_id: Type.Union([Type.String(), Type.Null()]),
  key_id: Type.String(),
  operation_id: Type.String({ description: 'The item\'s operation_id ("12/3" for a calendar range, the booking id otherwise)' }),
  listing_id: Type.Optional(Type.Integer({ minimum: 1 })),
  booking_id: Type.Optional(Type.Integer({ minimum: 1 })),
  start_date: Type.Optional(Type.String({ format: 'date' })),
  end_date: Type.Optional(Type.String({ format: 'date' })),
  index: Type.Integer({ minimum: 0 }),
  fields: Type.Optional(Type.Array(Type.String(), { description: 'Names of the fields set (never their values)' })),
  body_length: Type.Optional(Type.Integer({ minimum: 0, description: 'A message: characters of its body (never the body)' })),
  body_sha256: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$', description: 'A message: SHA-256 of its body' })),
  outcome: Type.Union([Type.Literal('success'), Type.Literal('failure')]),
  error_type: Type.Union([Type.Union(ERROR_TYPES.map((t) => Type.Literal(t))), Type.Null()]),
  attempts: Type.Integer({ minimum: 0 }),
  idempotency_key_hash: Type.Union([Type.String({ pattern: '^[0-9a-f]{16}$' }), Type.Null()]),
  replayed: Type.Boolean()
}, { additionalProperties: false })

export type WriteAuditEntry = Static<typeof WriteAuditEntrySchema>

/**
 * One line of the audit log when a job is created (`Prefer: respond-async`) or cancelled
 * (`DELETE /api/jobs/{id}`); its write items are audited as they are in a request, with the
 * request id of the request that created it.
 */
export const JobAuditEntrySchema = Type.Object({
  audit: Type.Union([Type.Literal('job_create'), Type.Literal('job_cancel')]),
  request_id: Type.Union([Type.String(), Type.Null()], { description: 'The request that created or cancelled the job' }),
  key_id: Type.String(),
  job_id: Type.String(),
  operation: Type.String({ description: 'The operationId of the batch the job runs' }),
  total_count: Type.Integer({ minimum: 0 }),
  status: Type.String({ description: 'The job status as the request left it' }),
  idempotency_key_hash: Type.Union([Type.String({ pattern: '^[0-9a-f]{16}$' }), Type.Null()])
}, { additionalProperties: false })

export type JobAuditEntry = Static<typeof JobAuditEntrySchema>
export type AuditEntry = ListingAuditEntry | WriteAuditEntry | JobAuditEntry
