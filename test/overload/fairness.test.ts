import t from 'tap'
import { everyItemOnce, serve, until, type BatchBody } from '../reliability/helper.js'
import { all, json, upstreamOrder } from './helper.js'

// Two callers under a saturated budget, over real HTTP against the sandbox: caller A's update batch
// puts 24 items in the rate-limiter queue at once; caller B's 12 single GETs, sent while they wait,
// take turns with them instead of queueing behind them. Short windows: 5 calls per 500 ms (200 ms
// sandbox window + 300 ms margin: the sandbox shares this process's event loop, see reliability/).

const A = 'key-a'
const B = 'key-b'
const ENV = {
  API_KEYS: `${A},${B}`,
  HOSTAWAY_RATE_LIMIT_IP: '6',
  HOSTAWAY_RATE_WINDOW_MS: '200',
  HOSTAWAY_RATE_WINDOW_MARGIN_MS: '300',
  CACHE_TTL_MS: '0',
  // every item of A's batch waits in the queue at once
  BATCH_CONCURRENCY: '24',
  REQUEST_TIMEOUT_MS: '60000'
}

t.test('a caller\'s batch does not starve another caller\'s single GETs: B gets ≥ 40 % of the budget while both wait', async (t) => {
  const order = upstreamOrder()
  const { url, app, sandbox: sb } = await serve(t, ENV, { rateWindowMs: 200, listingCount: 60, logger: order.logger })
  t.equal((await app.inject({ url: '/ready' })).statusCode, 200, 'token first')

  const updates = Array.from({ length: 24 }, (_, i) => ({ listing_id: i + 1, price: 100 + i }))
  const batch = fetch(`${url}/api/listings/batch`, { method: 'PATCH', headers: json(A), body: JSON.stringify({ updates, timeout_ms: 60_000 }) })
  await until(() => order.calls().some((c) => c.startsWith('PUT ')), 10_000, 'A\'s batch under way')

  const mark = order.calls().length
  const singles = await all(12, (i) => fetch(`${url}/api/listings/${31 + i}`, { headers: { 'x-api-key': B } }))
  t.same(singles.map((r) => r.status), Array(12).fill(200), 'every single GET of B served')
  t.same(singles.map((r) => r.body.id), Array.from({ length: 12 }, (_, i) => 31 + i))

  const res = await batch
  t.equal(res.status, 200)
  const body = await res.json() as BatchBody
  t.equal(everyItemOnce(body, updates.map((u) => u.listing_id)), undefined, 'A: every item once, in order')
  t.equal(body.success_count, 24, 'A: all applied')

  const calls = order.calls()
  const lastB = calls.findLastIndex((c) => c.startsWith('GET /v1/listings/'))
  const span = calls.slice(mark, lastB + 1)
  const gets = span.filter((c) => c.startsWith('GET ')).length
  const puts = span.filter((c) => c.startsWith('PUT ')).length
  const share = gets / (gets + puts)
  t.equal(gets, 12, 'B\'s 12 reads, all sent while A waited')
  t.ok(calls.slice(lastB + 1).some((c) => c.startsWith('PUT ')), 'A still had items waiting after B\'s last read: both competed the whole time')
  t.ok(share >= 0.4, `B's share of the upstream calls from its first request to its last: ${(share * 100).toFixed(0)} % (${gets} of ${gets + puts}); first come, first served, they would wait behind A's queued writes`)
  t.comment(`fairness: B ${gets} reads, A ${puts} writes while both waited (B ${(share * 100).toFixed(0)} %)`)
  const s = await sb.stats()
  t.equal(s.rate_limited, 0, 'no 429 from the sandbox')
})
