import type { Message } from '../schemas/message.js'
import type { MessageList } from '../schemas/page.js'
import type { HostawayClient } from './hostaway/client.js'
import type { CallOptions } from './seams.js'

/** The Hostaway client methods this service calls. */
export type ReservationMessagesSource = Pick<HostawayClient, 'getReservation' | 'listConversations' | 'listMessages'>

/** When a message was stored: Hostaway's insertedOn, else its date ("YYYY-MM-DD HH:MM:SS" sorts as text). */
function sentAt (message: Message): string | undefined {
  const at = message.insertedOn ?? (message as { date?: unknown }).date
  return typeof at === 'string' && at !== '' ? at : undefined
}

/** Oldest first; messages without a date after the dated ones; ties by id. */
function byOldest (a: Message, b: Message): number {
  const ta = sentAt(a)
  const tb = sentAt(b)
  if (ta !== tb) {
    if (ta === undefined) return 1
    if (tb === undefined) return -1
    return ta < tb ? -1 : 1
  }
  return a.id - b.id
}

/**
 * The messages of every conversation of a reservation, each message once, oldest first. The
 * reservation is looked up too (cached by the client), so an unknown id fails as not_found
 * instead of answering an empty list.
 */
export async function listReservationMessages (hostaway: ReservationMessagesSource, reservationId: number, opts?: CallOptions): Promise<MessageList> {
  const [, conversations] = await Promise.all([
    hostaway.getReservation(reservationId, opts),
    hostaway.listConversations({ reservation_id: reservationId }, opts)
  ])
  const lists = await Promise.all(conversations.map((conversation) => hostaway.listMessages(conversation.id, opts)))
  const byId = new Map<number, Message>()
  for (const message of lists.flat()) if (!byId.has(message.id)) byId.set(message.id, message)
  const items = [...byId.values()].sort(byOldest)
  return { items, count: items.length }
}
