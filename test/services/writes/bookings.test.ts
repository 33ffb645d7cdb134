import { test } from 'tap'
import { Value } from '@sinclair/typebox/value'
import type { BookingUpdateFields } from '../../../schemas/booking.js'
import { BatchBookingUpdateBodySchema } from '../../../schemas/writes.js'
import { bookingOperationId, brokenBookingRule, mergeReservation } from '../../../services/writes/bookings.js'
import { registerFormats } from './formats.js'

registerFormats()

test('per-item rules of a reservation update', async (t) => {
  const cases: Array<[BookingUpdateFields, string | undefined]> = [
    [{ guestName: 'Ana Silva', hostNote: 'VIP' }, undefined],
    [{ hostNote: '' }, undefined],
    [{ guestName: '   ' }, 'guestName must not be blank'],
    [{ guestName: '' }, 'guestName must NOT have fewer than 1 characters'],
    [{ hostNote: 'x'.repeat(10_001) }, 'hostNote must NOT have more than 10000 characters'],
    [{ numberOfGuests: 0 }, 'numberOfGuests must be >= 1'],
    [{ checkInTime: 24 }, 'checkInTime must be <= 23'],
    [{ pets: -1 }, 'pets must be >= 0'],
    [{ guestEmail: 'not-an-address' }, 'guestEmail must be an e-mail address'],
    [{ guestEmail: 'ana@example.com' }, undefined],
    [{ arrivalDate: '2027-02-30' }, 'arrivalDate must be a real day (YYYY-MM-DD)'],
    [{ arrivalDate: '2027-01-10', departureDate: '2027-01-10' }, 'departureDate must be after arrivalDate'],
    [{ arrivalDate: '2027-01-10', departureDate: '2027-01-12' }, undefined],
    [{ numberOfGuests: 3, adults: 2, children: 2 }, 'numberOfGuests must be >= adults + children (4)'],
    [{ numberOfGuests: 4, adults: 2, children: 2 }, undefined],
    [{ adults: 5 }, undefined]
  ]
  for (const [fields, expected] of cases) t.equal(brokenBookingRule(fields), expected, JSON.stringify(fields).slice(0, 80))
  t.equal(bookingOperationId({ booking_id: 42 }), '42')
})

test('read-merge-write: the whole reservation with the fields merged in', async (t) => {
  const stay = { arrivalDate: '2027-01-10', departureDate: '2027-01-14', numberOfGuests: 2, adults: 2, children: null }
  const current = { id: 7, listingMapId: 3, guestName: 'Ana Silva', phone: '+1555', ...stay, hostNote: null, doorCode: '4821', status: 'new' }
  const merged = mergeReservation(current, { hostNote: 'VIP', phone: '+1555' })
  t.same(merged, { ok: true, body: { ...current, hostNote: 'VIP' }, changed: ['hostNote'] }, 'every field kept, the unchanged phone not listed')
  t.same(current.hostNote, null, 'the current object is not changed')
  t.same(mergeReservation(current, { guestName: 'Ana Silva' }), { ok: true, body: current, changed: [] }, 'nothing changes: nothing to write')

  t.same(mergeReservation(current, { departureDate: '2027-01-09' }), { ok: false, problem: 'departureDate must be after arrivalDate (2027-01-10)' })
  t.same(mergeReservation(current, { arrivalDate: '2027-01-14' }), { ok: false, problem: 'arrivalDate must be before departureDate (2027-01-14)' })
  t.match(mergeReservation(current, { arrivalDate: '2027-01-12' }), { ok: true, body: { arrivalDate: '2027-01-12', departureDate: '2027-01-14' }, changed: ['arrivalDate'] })
  t.same(mergeReservation(current, { adults: 3 }), { ok: false, problem: 'numberOfGuests must be >= adults + children (3)' }, 'checked against the current party')
  t.match(mergeReservation(current, { adults: 3, numberOfGuests: 3 }), { ok: true, changed: ['adults', 'numberOfGuests'] })
  t.match(mergeReservation({ ...current, numberOfGuests: 1, adults: 2 }, { hostNote: 'x' }), { ok: true }, 'an inconsistency already upstream is not the update\'s to fix')
})

test('the body schema: Hostaway names, at least one field, dry_run, no status', async (t) => {
  const schema = BatchBookingUpdateBodySchema(100)
  t.ok(Value.Check(schema, { updates: [{ booking_id: 1, hostNote: 'x' }], dry_run: true }))
  t.notOk(Value.Check(schema, { updates: [{ booking_id: 1 }] }), 'booking_id alone changes nothing')
  t.notOk(Value.Check(schema, { updates: [{ booking_id: 1, status: 'cancelled' }] }), 'status is not changed by an update')
  t.notOk(Value.Check(schema, { updates: [{ booking_id: 1, listingMapId: 2 }] }))
  t.notOk(Value.Check(schema, { updates: Array.from({ length: 101 }, (_, i) => ({ booking_id: i + 1, hostNote: 'x' })) }))
})
