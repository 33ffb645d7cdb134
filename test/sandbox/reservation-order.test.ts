import { test } from 'tap'
import { SandboxError } from '../../sandbox/errors.js'
import { orderReservations } from '../../sandbox/reservation-order.js'
import type { ConversationRecord, ReservationRecord } from '../../sandbox/types.js'

const r = (id: number, updatedOn: string, arrivalDate = '2026-05-01'): ReservationRecord => ({
  id, updatedOn, arrivalDate, listingMapId: 1, channelId: 2000, channelName: 'direct', guestName: 'x', guestEmail: null, numberOfGuests: 1, departureDate: '2026-05-02', nights: 1, status: 'new', totalPrice: 1, currency: 'EUR'
})
const records = [r(1, '2026-01-02 10:00:00'), r(2, '2026-01-01 09:00:00'), r(3, '2026-01-02 10:00:00'), r(4, '2026-01-03 08:00:00'), r(5, '2026-01-02 10:00:00')]
const sentOn: Record<number, string | null> = { 1: '2026-01-05 00:00:00', 2: null, 3: '2026-01-04 00:00:00', 4: null, 5: '2026-01-06 00:00:00' }
const lookup = {
  reservation: (id: number) => records.find((x) => x.id === id),
  conversationOf: (x: ReservationRecord) => ({ id: 1000 + x.id, listingMapId: 1, reservationId: x.id, messageSentOn: sentOn[x.id] }) as ConversationRecord
}
const ids = (opts: Parameters<typeof orderReservations>[1], from = records) => orderReservations(from, opts, lookup).ordered.map((x) => x.id)

test('default order: updatedOn DESC, ties by id DESC; sortOrder=updatedOn is the exact reverse', async (t) => {
  t.same(ids({}), [4, 5, 3, 1, 2])
  t.same(ids({ sortOrder: 'updatedOn' }), [2, 1, 3, 5, 4])
})

test('missing keys come first ascending, last descending', async (t) => {
  t.same(ids({ sortOrder: 'lastConversationMessageSent' }), [2, 4, 3, 1, 5])
  t.same(ids({ sortOrder: 'lastConversationMessageSentDesc' }), [5, 1, 3, 4, 2])
})

test('afterId: what comes after the cursor in the order, counted from its place', async (t) => {
  t.same(orderReservations(records, { afterId: 5 }, lookup), { ordered: [3, 1, 2].map((id) => lookup.reservation(id)), before: 2 })
  t.same(ids({ afterId: 3 }), [1, 2], 'within a tie, by id')
  t.same(ids({ afterId: 2 }), [])
  t.same(ids({ afterId: 5, sortOrder: 'updatedOn' }), [4])
  const withoutCursor = records.filter((x) => x.id !== 5)
  t.same(orderReservations(withoutCursor, { afterId: 5 }, lookup).ordered.map((x) => x.id), [3, 1, 2], 'the cursor need not be among the matches')
  t.throws(() => ids({ afterId: 99 }), SandboxError)
})
