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

export type AuditEntry = Static<typeof AuditEntrySchema>
