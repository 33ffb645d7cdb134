import t from 'tap'
import { setTimeout as delay } from 'node:timers/promises'
import { lagMargin } from '../../services/limiter/budget.js'
import { createLoopLag } from '../../services/loop-lag.js'
import { stallLoop } from '../fixtures/harness.js'

// The event-loop lag the budget's lag margin follows: a stall is measured in the loop's next turn,
// remembered for the span asked about, then forgotten.

const stall = stallLoop

t.test('a stall is measured once the loop turns, remembered within the span, forgotten after it', async (t) => {
  let now = 0
  const lag = createLoopLag({ sampleMs: 20, keepMs: 60_000, now: () => now })
  t.teardown(() => lag.close())
  await delay(50)
  stall(500)
  await delay(0)
  t.ok(lag.recentMaxMs(1000) >= 450, `measured in the next turn of the loop: ${lag.recentMaxMs(1000)} ms`)
  // several samples later (both histograms reset since), it is a sample of its own
  await delay(150)
  t.ok(lag.recentMaxMs(1000) >= 450, 'still within the span')
  now = 10_000
  t.ok(lag.recentMaxMs(1000) < 400, `a span that starts after it: forgotten (${lag.recentMaxMs(1000)} ms)`)
  t.ok(lag.recentMaxMs(20_000) >= 450, 'a span that covers it: remembered')
})

t.test('the lag margin: the longest delay within the window and the most allowed, never more; 0 is off', async (t) => {
  const spans: number[] = []
  const measured = (span: number) => { spans.push(span); return 700 }
  t.equal(lagMargin(measured, 2100, 1000)(), 700)
  t.same(spans, [3100], 'looks back one window, and as far as the margin may reach')
  t.equal(lagMargin(measured, 2100, 500)(), 500, 'capped')
  t.equal(lagMargin(measured, 2100, 0)(), 0, 'off')
})
