import t from 'tap'
import { createMemoryRateLimiter, LimiterClosedError } from '../../../services/limiter/limiter.js'
import { NO_TELEMETRY } from '../../../services/telemetry.js'
import { mulberry32 } from '../../../sandbox/prng.js'
import { fakeClock } from '../fake-clock.js'
import { sent, isAbortError, maxInAnyWindow, rejection, activeTimeouts } from './fixtures.js'

t.test('the effective cap is the tightest limit minus the safety margin', async (t) => {
  const l = createMemoryRateLimiter({ telemetry: NO_TELEMETRY, limits: [{ name: 'ip', max: 15 }, { name: 'account', max: 20 }], windowMs: 10000, safetyMargin: 1, windowMarginMs: 100 })
  t.equal(l.cap, 14)
  t.equal(l.windowMs, 10100)
  const tiny = createMemoryRateLimiter({ telemetry: NO_TELEMETRY, limits: [{ name: 'ip', max: 1 }], windowMs: 100, safetyMargin: 5 })
  t.equal(tiny.cap, 1, 'never below 1')
  t.throws(() => createMemoryRateLimiter({ telemetry: NO_TELEMETRY, limits: [], windowMs: 100 }))
  t.throws(() => createMemoryRateLimiter({ telemetry: NO_TELEMETRY, limits: [{ name: 'ip', max: 1 }], windowMs: 0 }))
  l.close()
  tiny.close()
})

t.test('no window ever holds more than the cap, and waiters are served FIFO (fake clock)', async (t) => {
  // 5 per 200 ms with a margin of 1 request and 20 ms: at most 4 starts in any 220 ms
  const clock = fakeClock()
  const l = createMemoryRateLimiter({ telemetry: NO_TELEMETRY, limits: [{ name: 'ip', max: 5 }, { name: 'account', max: 6 }], windowMs: 200, safetyMargin: 1, windowMarginMs: 20, now: clock.now, schedule: clock.schedule })
  const order: number[] = []
  const times: number[] = []
  const all = Promise.all(Array.from({ length: 13 }, (_, i) => sent(l.acquire()).then(() => {
    order.push(i)
    times.push(clock.now())
  })))
  await clock.settle()
  await clock.advance(2000)
  await all
  t.same(order, Array.from({ length: 13 }, (_, i) => i), 'granted in call order')
  t.equal(maxInAnyWindow(times, 220), 4, 'at most 4 in any 220 ms, and the cap is used')
  t.equal(times[12], 3 * 220, 'the 13th waited three windows')
  const s = l.stats()
  t.equal(s.acquired, 13)
  t.equal(s.queued, 0)
  t.equal(s.max_wait_ms, 660, 'max_wait_ms records the longest wait')
  t.ok(s.total_wait_ms >= s.max_wait_ms)
  l.close()
})

t.test('callers arriving at random times still never exceed the cap (fake clock, seeded arrivals)', async (t) => {
  for (const seed of [1, 2, 3]) {
    const clock = fakeClock()
    const random = mulberry32(seed)
    const l = createMemoryRateLimiter({ telemetry: NO_TELEMETRY, limits: [{ name: 'ip', max: 4 }], windowMs: 100, safetyMargin: 0, windowMarginMs: 10, now: clock.now, schedule: clock.schedule })
    const times: number[] = []
    const calls: Array<Promise<void>> = []
    for (let i = 0; i < 20; i++) {
      calls.push(sent(l.acquire()).then(() => { times.push(clock.now()) }))
      await clock.settle()
      await clock.advance(Math.floor(random() * 25))
    }
    await clock.advance(2000)
    await Promise.all(calls)
    t.equal(times.length, 20, `seed ${seed}: every caller granted`)
    t.ok(maxInAnyWindow(times, 110) <= 4, `seed ${seed}: at most 4 in any 110 ms (saw ${maxInAnyWindow(times, 110)})`)
    l.close()
  }
})

t.test('an aborted waiter is removed and the next one moves up', async (t) => {
  const l = createMemoryRateLimiter({ telemetry: NO_TELEMETRY, limits: [{ name: 'ip', max: 2 }], windowMs: 150, safetyMargin: 0 })
  await sent(l.acquire())
  await sent(l.acquire())
  const order: string[] = []
  const ac = new AbortController()
  const a = sent(l.acquire()).then(() => order.push('a'))
  const b = sent(l.acquire(ac.signal)).then(() => order.push('b'))
  const c = sent(l.acquire()).then(() => order.push('c'))
  t.equal(l.stats().queued, 3)
  ac.abort()
  t.ok(isAbortError(await rejection(b)), 'rejects with an AbortError')
  t.equal(l.stats().queued, 2, 'the aborted waiter left the queue')
  await Promise.all([a, c])
  t.same(order, ['a', 'c'], 'c took the slot b would have had, after a')
  t.equal(l.stats().acquired, 4)
  l.close()
})

t.test('aborting with a custom reason rejects with that reason', async (t) => {
  const l = createMemoryRateLimiter({ telemetry: NO_TELEMETRY, limits: [{ name: 'ip', max: 1 }], windowMs: 10000 })
  await sent(l.acquire())
  const ac = new AbortController()
  const p = sent(l.acquire(ac.signal))
  const reason = new Error('deadline')
  ac.abort(reason)
  await t.rejects(p, reason)
  // an already-aborted signal never queues
  t.ok(isAbortError(await rejection(sent(l.acquire(AbortSignal.abort())))))
  t.equal(l.stats().queued, 0)
  l.close()
})

t.test('aborting the last waiter leaves no timer behind', async (t) => {
  const before = activeTimeouts()
  const l = createMemoryRateLimiter({ telemetry: NO_TELEMETRY, limits: [{ name: 'ip', max: 1 }], windowMs: 60000 })
  await sent(l.acquire())
  const ac = new AbortController()
  const p = sent(l.acquire(ac.signal))
  const q = sent(l.acquire(ac.signal))
  t.equal(activeTimeouts(), before + 1, 'one timer for the whole queue')
  ac.abort()
  await t.rejects(p)
  await t.rejects(q)
  t.equal(activeTimeouts(), before, 'timer cleared once the queue is empty')
  t.ok(l.nextSlotInMs() > 59000)
  l.close()
})

t.test('close rejects every waiter and later calls', async (t) => {
  const l = createMemoryRateLimiter({ telemetry: NO_TELEMETRY, limits: [{ name: 'ip', max: 1 }], windowMs: 60000 })
  const before = activeTimeouts()
  await sent(l.acquire())
  const ac = new AbortController()
  const waiters = [sent(l.acquire()), sent(l.acquire(ac.signal))]
  l.close()
  for (const w of waiters) await t.rejects(w, LimiterClosedError)
  await t.rejects(sent(l.acquire()), LimiterClosedError)
  t.ok(activeTimeouts() <= before, 'no timer left')
  ac.abort() // harmless after close
})
