import { test } from 'tap'
import { Value } from '@sinclair/typebox/value'
import { registerFormats } from './formats.js'
import { BatchCalendarUpdateBodySchema, CalendarUpdateResultSchema, type CalendarUpdateItem } from '../../../schemas/writes.js'
import {
  MAX_INTERVALS_PER_CALL, brokenCalendarRule, calendarOperationId, calendarUpdateResult, checkCalendarUpdates,
  overlappingCalendarUpdates, planCalendarCalls, plannedCalendarCalls, toHostawayInterval, type Indexed
} from '../../../services/writes/calendar.js'

registerFormats()
const TODAY = '2026-03-01'
const u = (listing: number, start: string, end: string, fields: Partial<CalendarUpdateItem> = { price: 100 }): CalendarUpdateItem =>
  ({ listing_id: listing, start_date: start, end_date: end, ...fields })
const indexed = (items: CalendarUpdateItem[]): Array<Indexed<CalendarUpdateItem>> => items.map((item, index) => ({ index, item }))

test('per-item rules: the first rule broken, named', async (t) => {
  const cases: Array<[Partial<CalendarUpdateItem> & Pick<CalendarUpdateItem, 'start_date' | 'end_date'>, string | undefined]> = [
    [{ start_date: '2026-04-01', end_date: '2026-04-03', price: 120 }, undefined],
    [{ start_date: '2026-04-01', end_date: '2026-04-01', is_available: false }, undefined],
    [{ start_date: '2026-02-30', end_date: '2026-04-03', price: 1 }, 'start_date must be a real day (YYYY-MM-DD)'],
    [{ start_date: '2026-04-01', end_date: '2026-13-01', price: 1 }, 'end_date must be a real day (YYYY-MM-DD)'],
    [{ start_date: '2026-04-03', end_date: '2026-04-01', price: 1 }, 'end_date must not be before start_date'],
    [{ start_date: '2028-02-01', end_date: '2028-03-01', price: 1 }, undefined],
    [{ start_date: '2028-02-01', end_date: '2028-03-02', price: 1 }, 'end_date must be at most 2 years ahead (2028-03-01 or before)'],
    [{ start_date: '2026-04-01', end_date: '2026-04-03' }, 'at least one field besides the dates must be given (price, is_available, minimum_stay, maximum_stay, closed_on_arrival, closed_on_departure, note)'],
    [{ start_date: '2026-04-01', end_date: '2026-04-03', price: -1 }, 'price must be >= 0'],
    [{ start_date: '2026-04-01', end_date: '2026-04-03', price: 1_000_001 }, 'price must be <= 1000000'],
    [{ start_date: '2026-04-01', end_date: '2026-04-03', minimum_stay: 0 }, 'minimum_stay must be >= 1'],
    [{ start_date: '2026-04-01', end_date: '2026-04-03', maximum_stay: 2000 }, 'maximum_stay must be <= 1125'],
    [{ start_date: '2026-04-01', end_date: '2026-04-03', minimum_stay: 5, maximum_stay: 3 }, 'maximum_stay must be >= minimum_stay'],
    [{ start_date: '2026-04-01', end_date: '2026-04-03', minimum_stay: 3, maximum_stay: 3 }, undefined],
    [{ start_date: '2026-04-01', end_date: '2026-04-03', note: 'x'.repeat(2001) }, 'note must NOT have more than 2000 characters'],
    [{ start_date: '2026-04-01', end_date: '2026-04-03', note: '' }, undefined]
  ]
  for (const [fields, expected] of cases) {
    t.equal(brokenCalendarRule({ listing_id: 1, ...fields }, TODAY), expected, JSON.stringify(fields))
  }
  t.equal(brokenCalendarRule(u(1, '2028-03-01', '2030-03-01'), '2028-02-29'), undefined, 'a leap day today: two years ahead is 1 March')
  t.equal(brokenCalendarRule(u(1, '2028-03-01', '2030-03-02'), '2028-02-29'), 'end_date must be at most 2 years ahead (2030-03-01 or before)')
})

test('overlapping ranges of one listing: both refused, each naming the other', async (t) => {
  const items = [
    u(7, '2026-05-01', '2026-05-10'), // 0
    u(8, '2026-05-05', '2026-05-06'), // 1: another listing, same days: fine
    u(7, '2026-05-11', '2026-05-12'), // 2: touches 0, does not overlap
    u(7, '2026-05-10', '2026-05-10'), // 3: the last day of 0
    u(7, '2026-04-01', '2026-06-01') // 4: covers 0, 2 and 3
  ]
  const problems = overlappingCalendarUpdates(indexed(items))
  t.same([...problems.keys()].sort(), [0, 2, 3, 4])
  t.equal(problems.get(0), 'updates/0 overlaps updates/3: listing 7, 2026-05-01..2026-05-10 and 2026-05-10..2026-05-10; give each day of a listing once per batch')
  t.match(problems.get(3), /^updates\/3 overlaps updates\/0: /)
  t.match(problems.get(2), /^updates\/2 overlaps updates\/4: /, 'the lowest index it overlaps')
  t.match(problems.get(4), /^updates\/4 overlaps updates\/0: listing 7, 2026-04-01\.\.2026-06-01 and 2026-05-01\.\.2026-05-10/)
  t.same(overlappingCalendarUpdates(indexed([u(1, '2026-05-01', '2026-05-02'), u(1, '2026-05-03', '2026-05-04')])).size, 0, 'adjacent ranges do not overlap')
})

test('checkCalendarUpdates: per-item rules under updates/<i>/, then overlaps among the valid items', async (t) => {
  const { problems, valid } = checkCalendarUpdates([
    u(1, '2026-05-01', '2026-05-03'),
    u(1, '2026-05-02', '2026-05-01'), // invalid on its own: takes no part in the overlap rule
    u(2, '2026-05-01', '2026-05-03', {}),
    u(3, '2026-05-01', '2026-05-03'),
    u(3, '2026-05-03', '2026-05-04')
  ], TODAY)
  t.same(Object.fromEntries(problems), {
    1: 'updates/1/end_date must not be before start_date',
    2: 'updates/2/at least one field besides the dates must be given (price, is_available, minimum_stay, maximum_stay, closed_on_arrival, closed_on_departure, note)',
    3: 'updates/3 overlaps updates/4: listing 3, 2026-05-01..2026-05-03 and 2026-05-03..2026-05-04; give each day of a listing once per batch',
    4: 'updates/4 overlaps updates/3: listing 3, 2026-05-03..2026-05-04 and 2026-05-01..2026-05-03; give each day of a listing once per batch'
  })
  t.same(valid.map((v) => v.index), [0])
})

test('the plan: one call per listing, the multi-interval write for several ranges', async (t) => {
  const items = [
    u(1, '2026-06-10', '2026-06-12', { price: 150, is_available: true }), // 0
    u(2, '2026-06-01', '2026-06-01', { is_available: false, note: 'maintenance' }), // 1
    u(1, '2026-06-01', '2026-06-03', { minimum_stay: 3, closed_on_arrival: false }), // 2
    u(3, '2026-06-01', '2026-06-30', { maximum_stay: 14, closed_on_departure: true }), // 3
    u(1, '2026-07-01', '2026-07-02', { price: 99 }) // 4
  ]
  const calls = planCalendarCalls(indexed(items))
  t.equal(calls.length, 3, 'three listings, three calls (per range it would be five)')
  t.same(calls[0], {
    listingId: 1,
    method: 'PUT',
    path: 'listings/1/calendarIntervals',
    body: [
      { startDate: '2026-06-01', endDate: '2026-06-03', minimumStay: 3, closedOnArrival: 0 },
      { startDate: '2026-06-10', endDate: '2026-06-12', price: 150, isAvailable: 1 },
      { startDate: '2026-07-01', endDate: '2026-07-02', price: 99 }
    ],
    items: [0, 2, 4]
  }, 'listing 1 first (first seen), its ranges by date, the items ascending')
  t.same(calls[1], { listingId: 2, method: 'PUT', path: 'listings/2/calendar', body: { startDate: '2026-06-01', endDate: '2026-06-01', isAvailable: 0, note: 'maintenance' }, items: [1] }, 'one range: the single-range write')
  t.same(calls[2].body, { startDate: '2026-06-01', endDate: '2026-06-30', maximumStay: 14, closedOnDeparture: 1 })

  const perRange = planCalendarCalls(indexed(items), { multiInterval: false })
  t.equal(perRange.length, 5, 'without the multi-interval write: one call per range')
  t.ok(perRange.every((c) => c.path.endsWith('/calendar') && c.items.length === 1))

  const many = Array.from({ length: 450 }, (_, i) => {
    const day = new Date(Date.UTC(2026, 3, 1) + i * 86_400_000).toISOString().slice(0, 10)
    return u(9, day, day)
  })
  const chunks = planCalendarCalls(indexed(many))
  t.same(chunks.map((c) => c.items.length), [MAX_INTERVALS_PER_CALL, MAX_INTERVALS_PER_CALL, 50], '450 ranges of one listing: 200 per call, the documented maximum')
  t.same(chunks.flatMap((c) => c.items), Array.from({ length: 450 }, (_, i) => i), 'every range in exactly one call')
  t.same(planCalendarCalls(indexed(many), { maxIntervals: 1000 }).length, 3, 'never above 200')
  t.same(planCalendarCalls(indexed(many.slice(0, 10)), { maxIntervals: 4 }).map((c) => c.items.length), [4, 4, 2])
  t.same(planCalendarCalls([]), [])
})

test('120 ranges over 40 listings: 40 calls, every range carried once', async (t) => {
  const items = Array.from({ length: 120 }, (_, i) => u((i % 40) + 1, `2026-0${4 + Math.floor(i / 40)}-01`, `2026-0${4 + Math.floor(i / 40)}-10`))
  const { problems, valid } = checkCalendarUpdates(items, TODAY)
  t.equal(problems.size, 0)
  const calls = planCalendarCalls(valid)
  t.equal(calls.length, 40)
  t.same(calls.flatMap((c) => c.items).sort((a, b) => a - b), Array.from({ length: 120 }, (_, i) => i))
})

test('results name the call that carried them (a failed call fails each of them: test/routes/api/writes.test.ts)', async (t) => {
  const items = [u(1, '2026-06-01', '2026-06-02'), u(2, '2026-06-01', '2026-06-02'), u(1, '2026-06-05', '2026-06-05')]
  const calls = planCalendarCalls(indexed(items))

  const result = calendarUpdateResult(items[2], calls[0])
  t.same(result, {
    listing_id: 1, start_date: '2026-06-05', end_date: '2026-06-05', days: 1, fields: ['price'], call: { method: 'PUT', path: '/listings/1/calendarIntervals', items: [0, 2] }
  })
  t.ok(Value.Check(CalendarUpdateResultSchema, result), 'matches its schema')
  t.equal(calendarUpdateResult(items[0], calls[0]).days, 2)
  t.equal(calendarOperationId(items[2], 2), '1/2')
  t.same(plannedCalendarCalls(calls), [
    { kind: 'write', method: 'PUT', path: '/listings/1/calendarIntervals', items: [0, 2] },
    { kind: 'write', method: 'PUT', path: '/listings/2/calendar', items: [1] }
  ])
})

test('toHostawayInterval: Hostaway names, booleans as 0/1, nothing not given', async (t) => {
  t.same(toHostawayInterval(u(1, '2026-06-01', '2026-06-02', { is_available: false, closed_on_arrival: true, closed_on_departure: false, note: '' })),
    { startDate: '2026-06-01', endDate: '2026-06-02', isAvailable: 0, closedOnArrival: 1, closedOnDeparture: 0, note: '' })
})

test('the body schema: types, the 500 cap, dry_run', async (t) => {
  const body = (updates: unknown[], extra = {}) => ({ updates, ...extra })
  t.ok(Value.Check(BatchCalendarUpdateBodySchema, body([u(1, '2026-06-01', '2026-06-02')], { dry_run: true, timeout_ms: 5000 })))
  t.notOk(Value.Check(BatchCalendarUpdateBodySchema, body([])))
  t.notOk(Value.Check(BatchCalendarUpdateBodySchema, body(Array.from({ length: 501 }, () => u(1, '2026-06-01', '2026-06-02')))))
  t.notOk(Value.Check(BatchCalendarUpdateBodySchema, body([{ ...u(1, '2026-06-01', '2026-06-02'), isAvailable: 1 }])), 'Hostaway names are not the body\'s')
  t.notOk(Value.Check(BatchCalendarUpdateBodySchema, body([{ ...u(1, '2026-06-01', '2026-06-02'), is_available: 1 }])), 'booleans are booleans')
})
