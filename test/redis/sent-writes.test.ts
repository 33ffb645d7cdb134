import t from 'tap'
import { serve, until, upstreamCount } from '../reliability/helper.js'
import { redisSkip, startRedis } from './server.js'

// Once a write was sent, it is never reported as not sent (docs/contract.md, "Deadlines"): a PUT
// whose first attempt got no answer (the upstream may have applied it), whose retry then finds the
// shared budget gone (redis-server stopped), ends `outcome_unknown`, in the response and the audit
// line alike. Real HTTP, a real redis-server.

interface Item { index: number, success: boolean, error_type: string | null, attempts: number, retryable: boolean, error: string | null }

t.test('a write sent once, whose retry finds Redis stopped: outcome_unknown, never "unprocessed, not sent"', { skip: redisSkip }, async (t) => {
  const redis = await startRedis(t)
  // PUT /listings/3 never answers: each attempt ends at the per-attempt timeout, then is retried
  const { url, sandbox: sb, audit } = await serve(t, {
    REDIS_URL: redis.url,
    REDIS_TIMEOUT_MS: '800',
    HOSTAWAY_TIMEOUT_MS: '1500',
    HOSTAWAY_RETRY_BASE_MS: '10',
    CACHE_TTL_MS: '0'
  }, { faults: { fail_ids: { hang: [3] } } })
  const puts = async () => upstreamCount((await sb.stats()).requests.by_route, /^PUT \/v1\/listings\/:id$/)

  const pending = fetch(`${url}/api/listings/batch`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ updates: [{ listing_id: 2, price: 120 }, { listing_id: 3, price: 130 }] })
  })
  // both writes sent (listing 3's hangs); then the shared budget goes away before its retry
  await until(async () => (await puts()) >= 2, 20_000, 'both writes sent')
  await redis.stop()

  const res = await pending
  t.equal(res.status, 200)
  const body = await res.json() as { successful: Item[], failed: Item[] }
  t.match(body.successful, [{ index: 0, attempts: 1 }], 'listing 2 was written')
  t.equal(body.failed.length, 1)
  const [sent] = body.failed
  t.equal(sent.index, 1)
  t.equal(sent.error_type, 'outcome_unknown', 'sent, no answer: it may have been applied (not "unprocessed")')
  t.ok(sent.attempts >= 1, `its attempts are counted (${sent.attempts})`)
  t.equal(sent.retryable, true, 'a listing update is idempotent: safe to resend')
  t.match(sent.error, /^PUT \/listings\/3 → no response within 1500 ms.*; the write may or may not have been applied; not retried: the shared state \(Redis at .*\) is unavailable/)
  t.notMatch(sent.error, /not sent/i)

  const line = audit.entries().find((e) => e.listing_id === 3)
  t.match(line, { outcome: 'failure', error_type: 'outcome_unknown', attempts: sent.attempts }, 'the audit line says the same')
})
