import t from 'tap'
import { setTimeout as delay } from 'node:timers/promises'
import { createMemoryRateLimiter } from '../../../services/limiter/limiter.js'
import { NO_TELEMETRY } from '../../../services/telemetry.js'
import { sent } from './fixtures.js'

// The rate limiter's slots: the injected clock, priority, slots given back, counted from the write, lag margin, leases.

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
