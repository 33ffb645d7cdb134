import { createHash } from 'node:crypto'
import type { MessageItem } from '../../schemas/writes.js'

/**
 * Batch guest messages, the pure part: the per-item rules, finding each reservation's conversation
 * in lists already read, the audit summary of a message, and the one rule that matters most — a
 * message is never sent twice (shared/notes/hostaway-writes.md (c): Hostaway documents no
 * idempotency key and no de-duplication; a repeated POST is a second message to the guest).
 */

/** operation_id of a message: the reservation it goes to. */
export function messageOperationId (item: Pick<MessageItem, 'booking_id'>): string {
  return String(item.booking_id)
}

/** The first per-item rule a message breaks (the caller prefixes `messages/<i>/`), or undefined. */
export function brokenMessageRule (item: MessageItem): string | undefined {
  if (item.body.trim() === '') return 'body must not be blank'
  return undefined
}

/**
 * The same body to the same reservation twice in one batch is a mistake that would reach a guest
 * twice: every repeat is refused (validation_error, never sent), naming the first. Returns the
 * message of each refused index.
 */
export function repeatedMessages (items: readonly MessageItem[]): Map<number, string> {
  const first = new Map<string, number>()
  const problems = new Map<number, string>()
  items.forEach((item, index) => {
    const key = `${item.booking_id}\u0000${item.body}`
    const earlier = first.get(key)
    if (earlier === undefined) first.set(key, index)
    else problems.set(index, `messages/${index} repeats messages/${earlier}: the same body to booking ${item.booking_id}; a message is sent once`)
  })
  return problems
}

/** What the audit log keeps of a message: its length and hash, never its text. */
export interface MessageAudit {
  /** characters (Unicode code points) */
  body_length: number
  /** SHA-256 of the UTF-8 body, hex */
  body_sha256: string
}

export function messageAudit (body: string): MessageAudit {
  return { body_length: [...body].length, body_sha256: createHash('sha256').update(body, 'utf8').digest('hex') }
}

/** A conversation as the list answers it; only what is needed here. */
export interface ConversationRef {
  id: number
  reservationId?: number | string | null
}

/**
 * The conversation of each reservation found in `conversations` (list pages already read). The
 * object table types `reservationId` as a string and the example as an int, so both are taken.
 * When a reservation has several, the newest (highest id) is the one written to.
 */
export function conversationsByReservation (conversations: Iterable<ConversationRef>): Map<number, number> {
  const out = new Map<number, number>()
  for (const c of conversations) {
    const reservation = Number(c.reservationId)
    if (!Number.isSafeInteger(reservation) || reservation < 1) continue
    const known = out.get(reservation)
    if (known === undefined || c.id > known) out.set(reservation, c.id)
  }
  return out
}

/** The reservations of `bookingIds` whose conversation `found` does not hold yet, each once, in order. */
export function bookingsWithoutConversation (bookingIds: Iterable<number>, found: ReadonlyMap<number, number>): number[] {
  return [...new Set(bookingIds)].filter((id) => !found.has(id))
}

export { checkBeforeResending, classifySendAttempt, type SendAttempt, type SendContext, type SendDecision } from '../hostaway/call/send-rule.js'
