import { test } from 'tap'
import { listReservationMessages, type ReservationMessagesSource } from '../../services/messages.js'
import { GatewayError } from '../../services/errors.js'
import type { Message } from '../../schemas/message.js'

const msg = (id: number, conversationId: number, at?: string): Message =>
  ({ id, conversationId, body: `m${id}`, isIncoming: 1, ...(at === undefined ? {} : { insertedOn: at }) })

/** A fake client: reservation 42 has conversations 10, 11 and 12; every other id is unknown. */
function fakeSource (byConversation: Record<number, Message[]>) {
  const calls: Array<{ method: string, signal?: AbortSignal }> = []
  const source: ReservationMessagesSource = {
    async getReservation (id, opts) {
      calls.push({ method: 'getReservation', signal: opts?.signal })
      if (id !== 42) throw GatewayError.classified(`GET /reservations/${id} → HTTP 404`, { status_code: 404, error_type: 'not_found', retryable: false })
      return { id, listingMapId: 1, arrivalDate: '2027-01-05', departureDate: '2027-01-07', status: 'new' }
    },
    async listConversations ({ reservation_id: id }, opts) {
      calls.push({ method: 'listConversations', signal: opts?.signal })
      return id === 42 ? Object.keys(byConversation).map((c) => ({ id: Number(c) })) : []
    },
    async listMessages (conversationId, opts) {
      calls.push({ method: 'listMessages', signal: opts?.signal })
      return byConversation[conversationId] ?? []
    }
  }
  return { source, calls }
}

test('messages of every conversation are merged, de-duplicated and sorted oldest first', async (t) => {
  const { source } = fakeSource({
    10: [msg(5, 10, '2027-01-02 10:00:00'), msg(1, 10, '2027-01-01 09:00:00'), msg(9, 10)],
    11: [msg(7, 11, '2027-01-01 12:00:00'), msg(3, 11, '2027-01-02 10:00:00'), msg(1, 10, '2027-01-01 09:00:00')],
    // a message with only Hostaway's `date`
    12: [{ ...msg(8, 12), date: '2026-12-31 23:59:59' } as Message]
  })
  const { items, count } = await listReservationMessages(source, 42)
  t.same(items.map((m) => m.id), [8, 1, 7, 3, 5, 9], 'by insertedOn (else date), then id; undated last; duplicates once')
  t.equal(count, 6)
})

test('a reservation without conversations has no messages', async (t) => {
  const { source } = fakeSource({})
  t.same(await listReservationMessages(source, 42), { items: [], count: 0 })
})

test('an unknown reservation fails as not_found instead of answering an empty list', async (t) => {
  const { source } = fakeSource({ 10: [msg(1, 10)] })
  const err = await listReservationMessages(source, 43).then(() => undefined, (e: unknown) => e)
  t.ok(err instanceof GatewayError)
  t.match(err, { error_type: 'not_found', status_code: 404 })
})

test('the call options (abort signal) reach every upstream call', async (t) => {
  const { source, calls } = fakeSource({ 10: [msg(1, 10)], 11: [] })
  const signal = new AbortController().signal
  await listReservationMessages(source, 42, { signal })
  t.same(calls.map((c) => c.method).sort(), ['getReservation', 'listConversations', 'listMessages', 'listMessages'])
  t.ok(calls.every((c) => c.signal === signal))
})
