import t from 'tap'
import { setTimeout as delay } from 'node:timers/promises'
import { createInFlight } from '../../services/in-flight.js'

const reason = (s: AbortSignal) => (s.reason as Error).message

t.test('the deadline counts from the start of the request, even when the signal is asked for late', async (t) => {
  let now = 0
  const inFlight = createInFlight({ now: () => now })
  const late = inFlight.add(100)
  now = 150
  const s = late.signal()
  await delay(5)
  t.ok(s.aborted)
  t.equal(reason(s), 'the request deadline of 100 ms passed')
  t.equal(late.signal(), s, 'one signal per request')

  const none = inFlight.add()
  now = 1e9
  t.notOk(none.signal().aborted, 'no deadline')
})

t.test('a disconnect or abortAll before the signal exists is not lost; done() clears the deadline', async (t) => {
  const inFlight = createInFlight({ now: () => performance.now() })
  const a = inFlight.add(60_000)
  const b = inFlight.add(60_000)
  const c = inFlight.add(60_000)
  const signalB = b.signal()
  t.equal(inFlight.size(), 3)
  inFlight.done(a, true)
  t.equal(reason(a.signal()), 'the client disconnected')
  inFlight.abortAll('the gateway is shutting down')
  t.equal(reason(signalB), 'the gateway is shutting down')
  t.equal(reason(c.signal()), 'the gateway is shutting down')
  inFlight.abortAll('again')
  t.equal(reason(signalB), 'the gateway is shutting down', 'the first reason stays')
  const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
  inFlight.done(b, false)
  inFlight.done(b, false)
  t.equal(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length, before - 1, 'the deadline timer is cleared')
  t.equal(inFlight.size(), 1)
})

t.test('idle: true once the last request is done, false after the wait', async (t) => {
  const inFlight = createInFlight({ now: () => performance.now() })
  t.equal(await inFlight.idle(10), true, 'nothing in flight')
  const a = inFlight.add()
  t.equal(await inFlight.idle(20), false, 'still running after 20 ms')
  const waiting = inFlight.idle(60_000)
  setTimeout(() => inFlight.done(a, false), 10)
  t.equal(await waiting, true)
})
