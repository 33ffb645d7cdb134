import t from 'tap'
import { sandbox } from '../../helper.js'
import { testClient } from '../hostaway/fixtures.js'

// A burst far above the budget: the limiter must spread it so the sandbox never answers 429.
t.test('a burst of 60 calls is spread: no 429, never more than the limit in a window', async (t) => {
  const sb = await sandbox(t)
  // the sandbox shares this test's event loop: on a loaded machine a stall bunches its arrivals
  // beyond the default 100 ms margin (seen at 3 test files at once on 2 cores)
  const c = testClient(t, sb, { env: { HOSTAWAY_TIMEOUT_MS: 3000, HOSTAWAY_RETRY_BASE_MS: 20, HOSTAWAY_RATE_WINDOW_MARGIN_MS: 250 } })

  let attempts = 0
  const onAttempt = () => { attempts++ }
  const calls = [
    ...Array.from({ length: 40 }, (_, i) => c.getListing(i + 1, { onAttempt })),
    ...Array.from({ length: 20 }, (_, i) => c.getListingCalendar(i + 1, { start_date: '2030-01-01', end_date: '2030-01-02' }, { onAttempt }))
  ]
  const results = await Promise.allSettled(calls)
  t.equal(results.filter((r) => r.status === 'fulfilled').length, 60, 'every call succeeded')
  t.equal(attempts, 60, 'no call needed a retry')

  const s = await sb.stats()
  t.equal(s.rate_limited, 0, 'the sandbox never answered 429')
  t.ok(s.max_in_window_ip <= 15, `max_in_window_ip ${s.max_in_window_ip} <= 15`)
  t.ok(s.max_in_window_account <= 20, `max_in_window_account ${s.max_in_window_account} <= 20`)
  t.equal(s.requests.total, 61, '60 reads and one token request')

  const l = c.limiter.stats()
  t.equal(l.acquired, 61)
  t.equal(l.queued, 0)
  t.ok(l.max_wait_ms >= 1000, 'callers were made to wait')
})
