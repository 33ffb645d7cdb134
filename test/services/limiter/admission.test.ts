import t from 'tap'
import { AdmissionRefused } from '../../../services/limiter/admission.js'
import { createMemoryBudget, type Budget } from '../../../services/limiter/budget.js'
import { LimiterClosedError, createMemoryRateLimiter, createRateLimiter } from '../../../services/limiter/limiter.js'
import type { AcquireOptions, Permit } from '../../../services/limiter/types.js'
import { fakeClock } from '../fake-clock.js'
import { NO_TELEMETRY } from '../../../services/telemetry.js'

// Admission control and fair turns of the rate limiter, on a clock the test moves: predictions,
// refusals at once, the bounded queue, and the order of grants. No real time passes.

type Clock = ReturnType<typeof fakeClock>

/** A limiter of `max` slots per 1000 ms on `clock`, its budget already used up at the start. */
async function saturated (clock: Clock, max: number, extra: { maxQueue?: number, weightOf?: (caller: string) => number } = {}) {
  const l = createMemoryRateLimiter({ telemetry: NO_TELEMETRY, limits: [{ name: 'ip', max }], windowMs: 1000, now: clock.now, schedule: clock.schedule, ...extra })
  for (let i = 0; i < max; i++) {
    const permit = await l.acquire()
    permit.sent()
  }
  return l
}

/** Acquire, and record what became of it: granted (with the clock; its request written at once) or refused (with the error). */
function track (l: { acquire: (s?: AbortSignal, o?: AcquireOptions) => Promise<Permit> }, clock: Clock, options: AcquireOptions, log: string[], name: string) {
  const outcome: { grantedAt?: number, refused?: AdmissionRefused } = {}
  l.acquire(undefined, options).then((permit) => {
    permit.sent()
    outcome.grantedAt = clock.now()
    log.push(name)
  }, (err: unknown) => {
    if (err instanceof AdmissionRefused) outcome.refused = err
    else if (!(err instanceof LimiterClosedError)) throw err
  })
  return outcome
}

t.test('the sliding log predicts when each coming slot frees', async (t) => {
  let now = 0
  const budget = createMemoryBudget({ limits: [{ name: 'ip', max: 2 }], windowMs: 1000, safetyMargin: 0, windowMarginMs: 0, now: () => now })
  t.same(budget.upcoming(3), [0, 0, 1000], 'an empty log: two slots now, the third when the first leaves the window')
  const first = budget.take()
  if (typeof first === 'number') throw new Error('no slot')
  first.sent()
  now = 100
  const second = budget.take()
  if (typeof second === 'number') throw new Error('no slot')
  t.same(budget.upcoming(3), [900, 1000, 1900], 'a slot not written yet counts as written now')
  now = 150
  second.sent()
  now = 200
  t.same(budget.upcoming(5), [800, 950, 1800, 1950, 2800], 'each slot frees a window after the one `cap` slots before it was written')
  now = 2000
  t.same(budget.upcoming(2), [0, 0], 'both left the window')
})

t.test('a call whose turn would come past its deadline is refused at once, with the predicted wait', async (t) => {
  const clock = fakeClock()
  const l = await saturated(clock, 2) // the next slots free at 1000 and 1000
  const log: string[] = []
  const late = track(l, clock, { deadline: 500 }, log, 'late')
  await clock.settle()
  t.ok(late.refused, 'refused before any time passed')
  t.match(late.refused, { reason: 'deadline', retryAfterMs: 1000 })
  t.match(late.refused?.message, /^no rate-limit slot in time: its turn would come in about 1000 ms, its deadline is in 500 ms$/)
  const inTime = track(l, clock, { deadline: 2000 }, log, 'in-time')
  const third = track(l, clock, { deadline: 2000 }, log, 'third')
  // its turn is the third: the slot freed at 2000 by the first of these two, too late for 2000 - 10 %
  const fourth = track(l, clock, { deadline: 2000 }, log, 'fourth')
  await clock.settle()
  t.match(fourth.refused, { reason: 'deadline', retryAfterMs: 2000 })
  t.match(l.stats(), { queued: 2, refused: 2 })
  await clock.advance(1000)
  t.equal(inTime.grantedAt, 1000)
  t.equal(third.grantedAt, 1000)
  t.same(log, ['in-time', 'third'])
  l.close()
})

t.test('the time kept for the answer: a turn must come min(10 % of the time left, 1 s) before the deadline', async (t) => {
  const clock = fakeClock()
  const l = await saturated(clock, 1) // the next slot frees at 1000
  const log: string[] = []
  const tight = track(l, clock, { deadline: 1100 }, log, 'tight') // must start by 990
  const enough = track(l, clock, { deadline: 1120 }, log, 'enough') // by 1008: admitted; it is first now
  await clock.settle()
  t.ok(tight.refused)
  t.notOk(enough.refused)
  // a long deadline keeps 1 s, not 10 %: with 1 slot per 10 s the next turn is at 10 000
  const far = createMemoryRateLimiter({ telemetry: NO_TELEMETRY, limits: [{ name: 'ip', max: 1 }], windowMs: 10_000, now: clock.now, schedule: clock.schedule })
  const farFirst = await far.acquire()
  farFirst.sent()
  const keptOneSecond = track(far, clock, { deadline: 10_900 }, log, 'kept') // startBy 9 900 < 10 000
  const fits = track(far, clock, { deadline: 11_000 }, log, 'fits') // startBy 10 000
  await clock.settle()
  t.ok(keptOneSecond.refused, 'a turn 900 ms before a 10.9 s deadline leaves less than 1 s')
  t.notOk(fits.refused)
  await clock.advance(10_000)
  t.same(log, ['enough', 'fits'])
  l.close()
  far.close()
})

t.test('callers take turns; a caller\'s single-item requests go before its batch items; token requests first', async (t) => {
  const clock = fakeClock()
  const l = await saturated(clock, 1)
  const log: string[] = []
  for (let i = 1; i <= 4; i++) track(l, clock, { share: 'A', lane: 'batch' }, log, `A-batch-${i}`)
  track(l, clock, { share: 'B', lane: 'single' }, log, 'B-single-1')
  track(l, clock, { share: 'B', lane: 'single' }, log, 'B-single-2')
  track(l, clock, { share: 'A', lane: 'single' }, log, 'A-single')
  track(l, clock, { priority: true }, log, 'token')
  await clock.settle()
  t.equal(l.stats().queued, 8)
  for (let i = 0; i < 8; i++) await clock.advance(1000)
  t.same(log, ['token', 'A-single', 'B-single-1', 'A-batch-1', 'B-single-2', 'A-batch-2', 'A-batch-3', 'A-batch-4'])
  l.close()
})

t.test('weights per caller: turns in proportion', async (t) => {
  const clock = fakeClock()
  const l = await saturated(clock, 1, { weightOf: (caller) => caller === 'gold' ? 2 : 1 })
  const log: string[] = []
  for (let i = 0; i < 6; i++) track(l, clock, { share: 'gold' }, log, 'gold')
  for (let i = 0; i < 6; i++) track(l, clock, { share: 'basic' }, log, 'basic')
  for (let i = 0; i < 9; i++) await clock.advance(1000)
  t.equal(log.filter((name) => name === 'gold').length, 6, 'in the first 9 slots, gold had 6')
  t.equal(log.filter((name) => name === 'basic').length, 3)
  l.close()
})

t.test('admission is a promise: a newcomer whose fair turn would make an admitted waiter late goes after it', async (t) => {
  const clock = fakeClock()
  const l = await saturated(clock, 1)
  const log: string[] = []
  const x = track(l, clock, { share: 'A', lane: 'batch', deadline: 2600 }, log, 'x') // turn at 1000
  const y = track(l, clock, { share: 'A', lane: 'batch', deadline: 2600 }, log, 'y') // turn at 2000, must start by 2340
  const early = track(l, clock, { share: 'B', lane: 'single', deadline: 1900 }, log, 'early') // its fair turn, before y, is needed in time
  await clock.settle()
  t.match(early.refused, { reason: 'deadline', retryAfterMs: 3000 }, 'placed after y, its turn would come at 3000: refused at once')
  const b = track(l, clock, { share: 'B', lane: 'single' }, log, 'b') // no deadline: it waits after y
  await clock.settle()
  t.notOk(y.refused, 'y keeps its turn')
  t.notOk(x.refused)
  await clock.advance(3000)
  t.same(log, ['x', 'y', 'b'])
  t.equal(y.grantedAt, 2000)
  t.equal(b.grantedAt, 3000)
  l.close()
})

t.test('a batch\'s backlog counts: another caller is told at once that the batch\'s coming items will share the slots with it', async (t) => {
  const clock = fakeClock()
  const l = await saturated(clock, 1)
  const log: string[] = []
  let left = 2 // items of A's batch not started yet (its concurrency hides them)
  const x = track(l, clock, { share: 'A', lane: 'batch', backlog: () => left }, log, 'x') // turn at 1000
  const b1 = track(l, clock, { share: 'B', lane: 'single', deadline: 2600 }, log, 'b1') // after x: 2000
  // after a turn kept for A: 4000, past 3400 - 10 %; were A's backlog unknown, it would be 3000 and admitted
  const b2 = track(l, clock, { share: 'B', lane: 'single', deadline: 3400 }, log, 'b2')
  await clock.settle()
  t.notOk(b1.refused)
  t.match(b2.refused, { reason: 'deadline', retryAfterMs: 4000 }, 'refused at arrival, not when A\'s next item pushes it back')
  await clock.advance(1000)
  t.equal(x.grantedAt, 1000)
  left = 1
  const a2 = track(l, clock, { share: 'A', lane: 'batch', backlog: () => left }, log, 'a2') // takes the turn kept for it
  await clock.advance(2000)
  t.same(log, ['x', 'b1', 'a2'])
  t.equal(a2.grantedAt, 3000)
  t.equal(b1.grantedAt, 2000, 'b1 kept its turn')
  l.close()
})

t.test('a caller\'s single pushes its own batch items back; one pushed past its deadline is refused at once, not at its deadline', async (t) => {
  const clock = fakeClock()
  const l = await saturated(clock, 1)
  const log: string[] = []
  const x = track(l, clock, { share: 'A', lane: 'batch', deadline: 2600 }, log, 'x') // turn at 1000
  const y = track(l, clock, { share: 'A', lane: 'batch', deadline: 2600 }, log, 'y') // turn at 2000, must start by 2340
  await clock.settle()
  t.equal(l.stats().queued, 2, 'both admitted')
  track(l, clock, { share: 'A', lane: 'single' }, log, 's') // A's single goes before A's batch items
  await clock.settle()
  t.match(y.refused, { reason: 'deadline', retryAfterMs: 3000 }, 'y now would start at 3000: refused at 0 ms')
  t.notOk(x.refused)
  await clock.advance(2000)
  t.same(log, ['s', 'x'])
  l.close()
})

t.test('a bounded queue: at most maxQueue waiters; the one whose turn comes last is refused', async (t) => {
  const clock = fakeClock()
  const l = await saturated(clock, 1, { maxQueue: 3 })
  const log: string[] = []
  const a = [1, 2, 3].map((i) => track(l, clock, { share: 'A', lane: 'batch' }, log, `a${i}`))
  const a4 = track(l, clock, { share: 'A', lane: 'batch' }, log, 'a4')
  await clock.settle()
  t.match(a4.refused, { reason: 'queue_full', retryAfterMs: 4000 }, 'A\'s fourth would come last: refused, told its turn would be in 4 s')
  t.match(a4.refused?.message, /the rate-limit queue is full \(3 waiting, whose turns come first\)/)
  const b = track(l, clock, { share: 'B', lane: 'single' }, log, 'b')
  await clock.settle()
  t.notOk(b.refused, 'B\'s turn comes before A\'s last: admitted')
  t.match(a[2].refused, { reason: 'queue_full' }, 'A\'s last waiter made room')
  t.equal(l.stats().queued, 3)
  track(l, clock, { priority: true }, log, 'token')
  await clock.settle()
  t.equal(l.stats().queued, 4, 'a token request is never refused')
  for (let i = 0; i < 4; i++) await clock.advance(1000)
  t.same(log, ['token', 'a1', 'b', 'a2'])
  t.equal(l.stats().refused, 2)
  l.close()
})

t.test('a budget without `upcoming`: an estimate from its cap and window; a slower budget gets waiters refused when it makes the queue wait', async (t) => {
  const clock = fakeClock()
  // another instance shares this budget: it says when the next slot frees, nothing more
  const shared = { next: 500, taken: 2 }
  const budget: Budget = {
    take: () => shared.next > clock.now() ? shared.next - clock.now() : (shared.taken++, { sent: () => {}, giveBack: () => { shared.taken-- } }),
    nextSlotInMs: () => Math.max(0, shared.next - clock.now()),
    inWindow: () => 2
  }
  const l = createRateLimiter({ telemetry: NO_TELEMETRY, budget, now: clock.now, cap: 2, windowMs: 1000, maxQueue: 100, schedule: clock.schedule })
  const log: string[] = []
  const first = track(l, clock, { deadline: 1500 }, log, 'first') // estimate: 500
  const second = track(l, clock, { deadline: 1500 }, log, 'second') // estimate: 500 (2 per window)
  const third = track(l, clock, { deadline: 1500 }, log, 'third') // estimate: 1500
  await clock.settle()
  t.notOk(first.refused)
  t.notOk(second.refused)
  t.match(third.refused, { reason: 'deadline', retryAfterMs: 1500 })
  // the other instance took the slots meanwhile: the next one frees at 3000, past both deadlines
  shared.next = 3000
  await clock.advance(500)
  t.match(first.refused, { reason: 'deadline' }, 'refused at 500 ms, when the budget said wait, not at 1500')
  t.match(second.refused, { reason: 'deadline' })
  t.equal(l.stats().queued, 0)
  t.equal(clock.pending(), 0, 'no timer left for an empty queue')
  l.close()
})
