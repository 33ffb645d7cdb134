import t from 'tap'
import { checkIntervalMs, connectionCap, createDropReporter, openFileLimit } from '../../services/connections.js'

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`

t.test('the cap: MAX_CONNECTIONS when set, else the soft open-file limit minus the reserve, else none', async (t) => {
  t.equal(openFileLimit(LIMITS), 1024)
  t.equal(openFileLimit(LIMITS.replace('1024 ', 'unlimited')), undefined)
  t.equal(openFileLimit('nothing here'), undefined)
  t.equal(connectionCap(500, () => LIMITS), 500)
  t.equal(connectionCap(0, () => LIMITS), 768)
  t.equal(connectionCap(0, () => LIMITS.replace('1024 ', '200  ')), 64, 'never below 64')
  t.equal(connectionCap(0, () => undefined), undefined, 'limit unknown: no cap')
})

t.test('Node looks for late headers every quarter of the timeout, between 50 and 500 ms', async (t) => {
  t.equal(checkIntervalMs(10_000), 500)
  t.equal(checkIntervalMs(1000), 250)
  t.equal(checkIntervalMs(100), 50)
})

t.test('refused connections: the first line at once, then one line per interval with the count', async (t) => {
  let now = 0
  let pending: { fn: () => void, at: number } | undefined
  const lines: Array<Record<string, unknown>> = []
  const reporter = createDropReporter({
    cap: 10,
    warn: (entry, msg) => lines.push({ ...entry, msg }),
    now: () => now,
    later: (fn, ms) => { pending = { fn, at: now + ms }; return () => { pending = undefined } },
    intervalMs: 10_000
  })
  reporter.dropped()
  t.match(lines, [{ dropped: 1, max_connections: 10, msg: /^connection refused: 10 client connections are open \(MAX_CONNECTIONS\); 1 refused/ }])
  now = 100
  for (let i = 0; i < 500; i++) reporter.dropped()
  t.equal(lines.length, 1, 'a flood is not a line per connection')
  t.equal(pending?.at, 10_000)
  now = 10_000
  pending?.fn()
  t.match(lines[1], { dropped: 500 })
  now = 30_000
  reporter.dropped()
  t.match(lines[2], { dropped: 1 }, 'after a quiet interval: at once again')
  now = 30_001
  reporter.dropped()
  reporter.close()
  t.equal(pending, undefined, 'the timer is cancelled at close')
  t.match(lines[3], { dropped: 1 }, 'what was not reported yet, at close')
})
