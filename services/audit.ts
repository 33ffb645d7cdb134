import { shortDigest } from './auth.js'
import type { AuditEntry, JobAuditEntry, ListingAuditEntry, WriteAuditEntry } from '../schemas/audit.js'
import type { PartialFailureResponse } from '../schemas/batch.js'

/** Where audit lines go (a pino logger of its own: AUDIT_LOG, every line, whatever LOG_LEVEL says). */
export interface AuditTrail {
  write (entries: readonly AuditEntry[]): void
}

/** Who wrote, and how the request was sent. */
export interface WriteContext {
  requestId: string | undefined
  /** the caller's key id (services/auth.ts keyId), never the key */
  keyId: string
  idempotencyKey: string | undefined
  replayed: boolean
  /** positions answered by the checkpoint of an earlier run cut short (nothing sent for them now): audited as replayed */
  earlier?: ReadonlySet<number>
}

/** The hash of an Idempotency-Key in audit lines: the first 16 hex digits of its SHA-256. */
export function idempotencyKeyHash (key: string): string {
  return shortDigest(key, 16)
}

/** One audit entry per item of a batch listing update: `updates` as sent, `response` as answered (or replayed). */
export function listingUpdateEntries (ctx: WriteContext, updates: ReadonlyArray<{ listing_id: number }>, response: PartialFailureResponse<unknown>): ListingAuditEntry[] {
  const hash = ctx.idempotencyKey === undefined ? null : idempotencyKeyHash(ctx.idempotencyKey)
  return [...response.successful, ...response.failed].sort((a, b) => a.index - b.index).map((item) => {
    const update = updates[item.index]
    return {
      audit: 'listing_update',
      request_id: ctx.requestId ?? null,
      key_id: ctx.keyId,
      listing_id: update.listing_id,
      index: item.index,
      fields: Object.keys(update).filter((name) => name !== 'listing_id'),
      outcome: item.success ? 'success' : 'failure',
      error_type: item.error_type,
      attempts: item.attempts,
      idempotency_key_hash: hash,
      replayed: ctx.replayed || ctx.earlier?.has(item.index) === true
    }
  })
}

/**
 * One audit entry per item of a #23 write, in request order: `describe` gives what identifies the
 * item's target (ids, dates, field names, a message's length and hash — never values or text).
 */
export function writeEntries<I> (
  kind: WriteAuditEntry['audit'],
  ctx: WriteContext,
  items: readonly I[],
  response: PartialFailureResponse<unknown>,
  describe: (item: I) => Pick<WriteAuditEntry, 'listing_id' | 'booking_id' | 'start_date' | 'end_date' | 'fields' | 'body_length' | 'body_sha256'>
): WriteAuditEntry[] {
  const hash = ctx.idempotencyKey === undefined ? null : idempotencyKeyHash(ctx.idempotencyKey)
  return [...response.successful, ...response.failed].sort((a, b) => a.index - b.index).map((item) => ({
    audit: kind,
    request_id: ctx.requestId ?? null,
    key_id: ctx.keyId,
    operation_id: item.operation_id ?? String(item.index),
    ...describe(items[item.index]),
    index: item.index,
    outcome: item.success ? 'success' : 'failure',
    error_type: item.error_type,
    attempts: item.attempts,
    idempotency_key_hash: hash,
    replayed: ctx.replayed || ctx.earlier?.has(item.index) === true
  }))
}

/** The audit entry of a job created or cancelled by a request. */
export function jobEntry (audit: JobAuditEntry['audit'], ctx: { requestId: string, keyId: string, idempotencyKey?: string | undefined }, job: { id: string, operation: string, total_count: number, status: string }): JobAuditEntry {
  return {
    audit,
    request_id: ctx.requestId,
    key_id: ctx.keyId,
    job_id: job.id,
    operation: job.operation,
    total_count: job.total_count,
    status: job.status,
    idempotency_key_hash: ctx.idempotencyKey === undefined ? null : idempotencyKeyHash(ctx.idempotencyKey)
  }
}

/** An audit trail writing one line per entry through `logger` (fixed message, the entry as fields). */
export function createAuditTrail (logger: { info: (obj: object, msg: string) => void }): AuditTrail {
  return {
    write (entries) {
      // 'listing update', 'calendar update', 'message send', 'booking update', 'job create', 'job cancel'
      for (const entry of entries) logger.info(entry, entry.audit.replace('_', ' '))
    }
  }
}
