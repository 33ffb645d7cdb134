import t from 'tap'
import { setTimeout as delay } from 'node:timers/promises'
import { createMemoryRateLimiter, LimiterClosedError } from '../../../services/limiter/limiter.js'
import { NO_TELEMETRY } from '../../../services/telemetry.js'
import type { Permit } from '../../../services/limiter/types.js'

/** A permit whose request is written as soon as it is granted (most tests here). */
async function sent (acquired: Promise<Permit>): Promise<Permit> {
  const permit = await acquired
  permit.sent()
  return permit
}

const isAbortError = (err: unknown) => err instanceof Error && err.name === 'AbortError'

/** Largest number of grant times falling within any window of `windowMs` (half-open). */
function maxInAnyWindow (times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b)
  let best = 0
  for (let i = 0; i < sorted.length; i++) {
    let j = i
    while (j < sorted.length && sorted[j] - sorted[i] < windowMs) j++
    best = Math.max(best, j - i)
  }
  return best
}

async function rejection (p: Promise<unknown>): Promise<unknown> {
  try {
    await p
  } catch (err) {
    return err
  }
  throw new Error('expected a rejection')
}

function activeTimeouts (): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
}

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

t.test('no window ever holds more than the cap, and waiters are served FIFO', async (t) => {
  // 5 per 200 ms with a margin of 1 request and 20 ms: at most 4 starts in any 220 ms
  const l = createMemoryRateLimiter({ telemetry: NO_TELEMETRY, limits: [{ name: 'ip', max: 5 }, { name: 'account', max: 6 }], windowMs: 200, safetyMargin: 1, windowMarginMs: 20 })
  const order: number[] = []
  const times: number[] = []
  const start = performance.now()
  await Promise.all(Array.from({ length: 13 }, (_, i) => sent(l.acquire()).then(() => {
    order.push(i)
    times.push(performance.now() - start)
  })))
  t.same(order, Array.from({ length: 13 }, (_, i) => i), 'granted in call order')
  // measured at resolution (a little after the grant): check against the bare window
  t.ok(maxInAnyWindow(times, 200) <= 4, `at most 4 in any 200 ms (saw ${maxInAnyWindow(times, 200)})`)
  t.ok(times[12] >= 3 * 200, 'the 13th waited three windows')
  const s = l.stats()
  t.equal(s.acquired, 13)
  t.equal(s.queued, 0)
  t.ok(s.max_wait_ms >= 600, 'max_wait_ms records the longest wait')
  t.ok(s.total_wait_ms >= s.max_wait_ms)
  t.ok(s.in_window >= 1 && s.in_window <= 4)
  l.close()
})

t.test('callers arriving at random times still never exceed the cap', async (t) => {
  const l = createMemoryRateLimiter({ telemetry: NO_TELEMETRY, limits: [{ name: 'ip', max: 4 }], windowMs: 100, safetyMargin: 0, windowMarginMs: 10 })
  const times: number[] = []
  const start = performance.now()
  const calls: Array<Promise<void>> = []
  for (let i = 0; i < 20; i++) {
    calls.push(sent(l.acquire()).then(() => { times.push(performance.now() - start) }))
    await delay(Math.floor(Math.random() * 25))
  }
  await Promise.all(calls)
  t.ok(maxInAnyWindow(times, 100) <= 4, `at most 4 in any 100 ms (saw ${maxInAnyWindow(times, 100)})`)
  l.close()
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

t.test('nextSlotInMs and stats follow an injected clock', async (t) => {
  let now = 1000
  const l = createMemoryRateLimiter({ telemetry: NO_TELEMETRY, limits: [{ name: 'account', max: 3 }], windowMs: 1000, now: () => now })
  t.equal(l.nextSlotInMs(), 0)
  await sent(l.acquire())
  now += 100
  await sent(l.acquire())
  now += 100
  await sent(l.acquire())
  t.equal(l.stats().in_window, 3)
  t.equal(l.nextSlotInMs(), 800, 'the oldest grant leaves the window 1000 ms after it was taken')
  now += 800
  t.equal(l.nextSlotInMs(), 0)
  t.equal(l.stats().in_window, 2)
  now += 1000
  t.equal(l.stats().in_window, 0)
  t.same(l.stats(), { queued: 0, in_window: 0, cap: 3, window_ms: 1000, lag_margin_ms: 0, acquired: 3, released: 0, refused: 0, max_wait_ms: 0, total_wait_ms: 0 })
  l.close()
})

t.test('priority waiters go ahead of the others, in their own FIFO order', async (t) => {
  const l = createMemoryRateLimiter({ telemetry: NO_TELEMETRY, limits: [{ name: 'ip', max: 1 }], windowMs: 40 })
  await sent(l.acquire())
  const order: string[] = []
  const waits = [
    sent(l.acquire()).then(() => order.push('a')),
    sent(l.acquire()).then(() => order.push('b')),
    sent(l.acquire(undefined, { priority: true })).then(() => order.push('token-1')),
    sent(l.acquire(undefined, { priority: true })).then(() => order.push('token-2'))
  ]
  t.equal(l.stats().queued, 4)
  await Promise.all(waits)
  t.same(order, ['token-1', 'token-2', 'a', 'b'])
  l.close()
})

t.test('a slot given back unused goes to the next waiter at once and is not counted in the window', async (t) => {
  const l = createMemoryRateLimiter({ telemetry: NO_TELEMETRY, limits: [{ name: 'ip', max: 2 }], windowMs: 60000 })
  const unused = await l.acquire()
  const used = await sent(l.acquire())
  t.equal(l.stats().in_window, 2)
  let granted = false
  const next = l.acquire().then((permit) => { granted = true; return permit })
  await delay(5)
  t.notOk(granted, 'the budget is full: the waiter waits (a minute)')
  unused.release()
  const third = await Promise.race([next, delay(5000)])
  t.ok(granted, 'the given-back slot went to the waiter without waiting for the window')
  t.equal(l.stats().in_window, 2, 'two slots in use: one given back, one taken again')
  used.release()
  t.equal(l.stats().in_window, 2, 'a slot whose request was written cannot be given back')
  unused.release()
  t.match(l.stats(), { released: 1 }, 'nor can a slot twice')
  if (third !== undefined) third.release()
  t.equal(l.stats().in_window, 1)
  t.match(l.stats(), { acquired: 3, released: 2, queued: 0 })
  l.close()
})

t.test('a slot counts from when its request is written, and as written now until then', async (t) => {
  let now = 0
  const l = createMemoryRateLimiter({ telemetry: NO_TELEMETRY, limits: [{ name: 'ip', max: 2 }], windowMs: 1000, now: () => now })
  const late = await l.acquire() // granted at 0; its request is written at 900 (a stalled event loop)
  await sent(l.acquire()) // granted and written at 0
  now = 600
  t.equal(l.nextSlotInMs(), 400, 'the slot written at 0 frees at 1000; the one not written yet counts as written now')
  t.equal(l.stats().in_window, 2)
  now = 900
  late.sent()
  late.sent() // only the first call counts
  now = 1000
  t.equal(l.nextSlotInMs(), 0)
  await sent(l.acquire()) // written at 1000
  now = 1500
  t.equal(l.nextSlotInMs(), 400, 'the late request counts from 900, when it was written, not from its grant at 0')
  now = 1900
  t.equal(l.nextSlotInMs(), 0)
  const pending = [await l.acquire()]
  now = 1950
  t.equal(l.nextSlotInMs(), 50, 'the slot written at 1000 frees at 2000')
  now = 2000
  pending.push(await l.acquire())
  now = 5000
  t.equal(l.nextSlotInMs(), 1000, 'two slots not written: they count as written now, however long ago they were granted')
  pending[0].release()
  t.equal(l.nextSlotInMs(), 0, 'given back: free')
  l.close()
})

t.test('the lag margin lengthens the window while the event loop lags', async (t) => {
  let now = 0
  let lag = 0
  const l = createMemoryRateLimiter({ telemetry: NO_TELEMETRY, limits: [{ name: 'ip', max: 1 }], windowMs: 1000, windowMarginMs: 100, lagMarginMs: () => lag, now: () => now })
  await sent(l.acquire())
  now = 1100
  t.equal(l.nextSlotInMs(), 0, 'no lag: window and margin')
  lag = 400
  t.equal(l.nextSlotInMs(), 400, 'a lagging loop: 400 ms more')
  t.match(l.stats(), { window_ms: 1100, lag_margin_ms: 400 })
  l.close()
})

t.test('a slot not written within its lease counts as written when the lease ended', async (t) => {
  let now = 0
  const l = createMemoryRateLimiter({ telemetry: NO_TELEMETRY, limits: [{ name: 'ip', max: 1 }], windowMs: 1000, pendingLeaseMs: 300, now: () => now })
  const lost = await l.acquire()
  now = 200
  t.equal(l.nextSlotInMs(), 1000, 'within its lease: as written now')
  now = 400
  t.equal(l.nextSlotInMs(), 900, 'its lease ended at 300: it counts as written then')
  lost.sent()
  t.equal(l.nextSlotInMs(), 900, 'a write reported after the lease changes nothing')
  l.close()
})
