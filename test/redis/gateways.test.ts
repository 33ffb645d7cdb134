import tap from 'tap'
import { sandbox } from '../helper.js'
import { startServer, type ServerProcess } from '../reliability/child.js'
import { everyItemOnce, until, upstreamCount, type BatchBody } from '../reliability/helper.js'
import { redisSkip, startRedis } from './server.js'
import { sandboxUpstream } from '../fixtures/harness.js'

// Three gateway processes (server.ts, as an operator runs it) on one sandbox account and one Redis:
// one upstream budget, one token, one cache, one set of Idempotency-Key results.

const json = { 'content-type': 'application/json' }
const WEBHOOK = { user: 'hooks', password: 'wh-pa55-scale' }
const basic = `Basic ${Buffer.from(`${WEBHOOK.user}:${WEBHOOK.password}`).toString('base64')}`

tap.test('three gateway processes (server.ts) on one sandbox account and one redis-server', { skip: redisSkip }, async (tap) => {
  const sb = await sandbox(tap, { rateWindowMs: 1000 })
  const redis = await startRedis(tap)
  const env = {
    ...sandboxUpstream(sb),
    HOSTAWAY_RATE_WINDOW_MS: '1000',
    // the sandbox shares this test's event loop: a stall bunches its arrivals
    HOSTAWAY_RATE_WINDOW_MARGIN_MS: '250',
    HOSTAWAY_TOKEN_SETTLE_MS: '20',
    HOSTAWAY_TIMEOUT_MS: '2000',
    BATCH_TIMEOUT_MS: '60000',
    // one GET per id: the budget is what the load is about
    BATCH_PLANNER: 'off',
    REDIS_URL: redis.url,
    HOSTAWAY_WEBHOOK_USER: WEBHOOK.user,
    HOSTAWAY_WEBHOOK_PASSWORD: WEBHOOK.password
  }
  const gateways: ServerProcess[] = [startServer(tap, env), startServer(tap, env), startServer(tap, env)]
  const urls = await Promise.all(gateways.map((g) => g.url))

  async function send (url: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(`${url}${path}`, { method, headers: { ...(body === undefined ? {} : json), ...headers }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
    return { status: res.status, headers: res.headers, body: await res.json() as Record<string, unknown> }
  }

  tap.test('concurrent batches spread over three instances: no 429, every window within the limits, one token', async (t) => {
    // 6 batches of 8 uncached reservations, two per instance, all at once: 48 GETs and the token
    const ids = Array.from({ length: 6 }, (_, b) => Array.from({ length: 8 }, (_, i) => 100 + b * 8 + i))
    const started = performance.now()
    const answers = await Promise.all(ids.map((batch, b) => send(urls[b % 3], 'POST', '/api/batch/bookings', { ids: batch })))
    const ms = Math.round(performance.now() - started)
    for (const [b, answer] of answers.entries()) {
      t.equal(answer.status, 200)
      t.equal(everyItemOnce(answer.body as unknown as BatchBody, ids[b]), undefined, `batch ${b}: every item once`)
      t.equal((answer.body as unknown as BatchBody).success_count, 8, `batch ${b} (instance ${b % 3 + 1}): all 8 found`)
    }
    const stats = await sb.stats()
    t.equal(stats.rate_limited, 0, 'no upstream 429')
    t.ok(stats.max_in_window_ip <= 15 && stats.max_in_window_account <= 20, `most in any window: ${stats.max_in_window_ip} per IP (15), ${stats.max_in_window_account} per account (20)`)
    t.ok(stats.max_in_window_ip >= 10, 'the budget was what paced them (windows nearly full)')
    t.equal(stats.tokens_issued, 1, 'one token for the three instances')
    t.equal(upstreamCount(stats.requests.by_route, /^GET \/v1\/reservations\/:/), 48, 'each reservation read once')
    t.comment(`48 reads through 3 instances in ${ms} ms; most per window ${stats.max_in_window_ip}`)
  })

  tap.test('Idempotency-Key: replayed by every instance, 409 while it runs elsewhere, and after a restart; no new writes', async (t) => {
    const update = { updates: [{ listing_id: 1, price: 321 }, { listing_id: 2, price: 654 }] }
    const key = { 'idempotency-key': 'scale-out-1' }
    const first = await send(urls[0], 'PATCH', '/api/listings/batch', update, key)
    t.equal(first.status, 200)
    t.equal(first.body.success_count, 2)
    const writes = (await sb.stats()).writes
    t.equal(writes, 2)
    for (const url of urls.slice(1)) {
      const replay = await send(url, 'PATCH', '/api/listings/batch', update, key)
      t.equal(replay.status, 200)
      t.equal(replay.headers.get('idempotent-replayed'), 'true', 'replayed by another instance')
      t.same(replay.body, first.body, 'the stored result')
    }
    const other = await send(urls[2], 'PATCH', '/api/listings/batch', { updates: [{ listing_id: 1, price: 1 }] }, key)
    t.equal(other.status, 422, 'the same key with another body, on another instance')

    // a slow write on instance 1 while instance 2 gets the same key
    await sb.setFaults({ latency_ms: { min: 500, max: 500 } })
    const slowKey = { 'idempotency-key': 'scale-out-2' }
    const slow = send(urls[0], 'PATCH', '/api/listings/batch', { updates: [{ listing_id: 3, price: 99 }] }, slowKey)
    await until(async () => upstreamCount((await sb.stats()).requests.by_route, /^PUT /) === 3, 10_000, 'the slow write sent')
    const running = await send(urls[1], 'PATCH', '/api/listings/batch', { updates: [{ listing_id: 3, price: 99 }] }, slowKey)
    t.equal(running.status, 409, 'still running on another instance: 409')
    t.match(running.body, { error_type: 'conflict', message: /still being processed/ })
    t.equal((await slow).status, 200)
    await sb.setFaults({})
    t.equal((await sb.stats()).writes, 3)

    // instance 1 restarts: the results are in Redis, not in its memory
    gateways[0].kill('SIGTERM')
    t.same(await gateways[0].exit, { code: 0, signal: null })
    // with the file, not this subtest
    gateways[0] = startServer(tap, env)
    urls[0] = await gateways[0].url
    const afterRestart = await send(urls[0], 'PATCH', '/api/listings/batch', update, key)
    t.equal(afterRestart.headers.get('idempotent-replayed'), 'true', 'replayed after a restart')
    t.same(afterRestart.body, first.body)
    t.equal((await sb.stats()).writes, 3, 'no new writes')
  })

  tap.test('an invalidation is seen by every instance: a write on one, a webhook on another', async (t) => {
    const price = async (url: string) => (await send(url, 'GET', '/api/listings/7')).body.price
    const before = await price(urls[1])
    t.equal(await price(urls[2]), before, 'cached, shared')
    const reads = async () => upstreamCount((await sb.stats()).requests.by_route, /^GET \/v1\/listings\/:/)
    const readsBefore = await reads()
    t.equal(await price(urls[0]), before, 'a third instance reads the shared cache')
    t.equal(await reads(), readsBefore, 'without an upstream call')

    const written = await send(urls[0], 'PATCH', '/api/listings/batch', { updates: [{ listing_id: 7, price: 777 }] })
    t.equal(written.body.success_count, 1)
    t.equal(await price(urls[1]), 777, 'instance 2 sees the write of instance 1')
    t.equal(await price(urls[2]), 777, 'so does instance 3')

    // a reservation cached by instance 2, updated by a webhook delivered to instance 3, read by instance 1
    const booking = (await send(urls[1], 'GET', '/api/bookings/5')).body
    const updated = { ...booking, guestName: 'Webhook Guest', updatedOn: '2099-01-01 00:00:00' }
    const hook = await send(urls[2], 'POST', '/webhooks/hostaway', { object: 'reservation', event: 'reservation.updated', accountId: Number(sb.accountId), data: updated }, { authorization: basic })
    t.same(hook.body, { received: true, action: 'cached' })
    const seen = (await send(urls[0], 'GET', '/api/bookings/5')).body
    t.equal(seen.guestName, 'Webhook Guest', 'instance 1 serves the webhook\'s reservation')
    t.equal((await sb.stats()).rate_limited, 0)
  })
})
