import { test } from 'tap'
import { Value } from '@sinclair/typebox/value'
import { DryRunResponseSchema } from '../../../schemas/dry-run.js'
import { checkCalendarUpdates, calendarOperationId, planCalendarCalls, plannedCalendarCalls } from '../../../services/writes/calendar.js'
import { dryRunSummary, estimateSlotsInMs } from '../../../services/writes/dry-run.js'
import { registerFormats } from './formats.js'

registerFormats()
const NOW = Date.UTC(2026, 2, 1, 12, 0, 0)

test('estimateSlotsInMs: a sliding window over the cap, taken slots freeing at nextSlotInMs', async (t) => {
  t.same(estimateSlotsInMs({ cap: 3, windowMs: 10_000, inWindow: 1, nextSlotInMs: 6000 }, 7), [0, 0, 6000, 10_000, 10_000, 16_000, 20_000])
  t.same(estimateSlotsInMs({ cap: 3, windowMs: 10_000, inWindow: 3, nextSlotInMs: 2500 }, 7), [2500, 2500, 2500, 12_500, 12_500, 12_500, 22_500])
  t.same(estimateSlotsInMs({ cap: 2, windowMs: 1000, inWindow: 0, nextSlotInMs: 0 }, 5), [0, 0, 1000, 1000, 2000])
  t.same(estimateSlotsInMs({ cap: 2, windowMs: 1000, inWindow: 0, nextSlotInMs: 0 }, 0), [])
})

test('a calendar dry run: items, calls, earliest finish — from the plan, nothing sent', async (t) => {
  const updates = [
    { listing_id: 1, start_date: '2026-06-01', end_date: '2026-06-03', price: 120 },
    { listing_id: 2, start_date: '2026-06-03', end_date: '2026-06-01', price: 120 },
    { listing_id: 1, start_date: '2026-07-01', end_date: '2026-07-03', price: 130 },
    { listing_id: 3, start_date: '2026-06-01', end_date: '2026-06-03', is_available: false }
  ]
  const { problems, valid } = checkCalendarUpdates(updates, '2026-03-01')
  const calls = plannedCalendarCalls(planCalendarCalls(valid))
  const summary = dryRunSummary({
    operation: 'calendar_update',
    items: updates.map((u, index) => ({ index, operation_id: calendarOperationId(u, index), problem: problems.get(index) })),
    calls,
    slotsInMs: estimateSlotsInMs({ cap: 1, windowMs: 10_000, inWindow: 1, nextSlotInMs: 4000 }, calls.length),
    callMs: 250,
    now: NOW
  })
  t.ok(Value.Check(DryRunResponseSchema, summary), 'matches its schema')
  t.match(summary, {
    dry_run: true,
    operation: 'calendar_update',
    total_count: 4,
    valid_count: 3,
    invalid_count: 1,
    upstream_call_count: 2,
    write_call_count: 2,
    earliest_finish_ms: 14_250,
    earliest_finish_at: '2026-03-01T12:00:14.250Z'
  })
  t.same(summary.items, [
    { index: 0, operation_id: '1/0', valid: true, error: null, calls: [0] },
    { index: 1, operation_id: '2/1', valid: false, error: 'updates/1/end_date must not be before start_date', calls: [] },
    { index: 2, operation_id: '1/2', valid: true, error: null, calls: [0] },
    { index: 3, operation_id: '3/3', valid: true, error: null, calls: [1] }
  ])
  t.same(summary.upstream_calls.map((c) => c.path), ['/listings/1/calendarIntervals', '/listings/3/calendar'])
})

test('reads and writes; nothing to send finishes now; too few slot times is a bug', async (t) => {
  const summary = dryRunSummary({
    operation: 'message_send',
    items: [{ index: 1, operation_id: '2' }, { index: 0, operation_id: '1' }],
    calls: [
      { kind: 'read', method: 'GET', path: '/conversations', items: [0, 1] },
      { kind: 'write', method: 'POST', path: '/conversations/1001/messages', items: [0] },
      { kind: 'write', method: 'POST', path: '/conversations/1002/messages', items: [1] }
    ],
    slotsInMs: [0, 0, 700, 900],
    callMs: 0,
    now: NOW
  })
  t.match(summary, { upstream_call_count: 3, write_call_count: 2, earliest_finish_ms: 700 })
  t.same(summary.items.map((i) => [i.index, i.calls]), [[0, [0, 1]], [1, [0, 2]]], 'in request order, with every call that serves them')
  const none = dryRunSummary({ operation: 'booking_update', items: [{ index: 0, operation_id: '5', problem: 'updates/0/pets must be >= 0' }], calls: [], slotsInMs: [], callMs: 300, now: NOW })
  t.match(none, { upstream_call_count: 0, earliest_finish_ms: 0, earliest_finish_at: new Date(NOW).toISOString(), invalid_count: 1 })
  t.throws(() => dryRunSummary({ operation: 'booking_update', items: [], calls: [{ kind: 'write', method: 'PUT', path: '/reservations/1', items: [0] }], slotsInMs: [], callMs: 0, now: NOW }), TypeError)
})
