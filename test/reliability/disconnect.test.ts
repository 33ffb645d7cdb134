import t from 'tap'
import { setTimeout as delay } from 'node:timers/promises'
import { everyItemOnce, serve, until, upstreamCount, type BatchBody } from './helper.js'

// A client that goes away takes its pending upstream work with it (limiter waits, backoff sleeps,
// requests in flight); a read another request still waits for goes on. Real HTTP both ways.

const LISTING_GETS = /^GET \/v1\/listings\/:id$/

t.test('a disconnected batch stops: the items waiting for rate budget are never sent', async (t) => {
  // a budget of 5 per 2 s: the token and 4 reads go at once, the other 36 items wait for the window
  // one GET per id (planner off): with list pages the 40 ids would need a single call, and no item would wait
  const { url, sandbox: sb, logs } = await serve(t, { CACHE_TTL_MS: '0', HOSTAWAY_RATE_LIMIT_IP: '6', HOSTAWAY_RATE_WINDOW_MS: '2000', BATCH_PLANNER: 'off' }, { rateWindowMs: 2000 })
  const gets = async () => upstreamCount((await sb.stats()).requests.by_route, LISTING_GETS)
  const client = new AbortController()
  const ids = Array.from({ length: 40 }, (_, i) => i + 1)
  const started = performance.now()
  const pending = fetch(`${url}/api/batch/listings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ids }), signal: client.signal })
  pending.catch(() => {})
  await until(async () => (await gets()) === 4, 10_000, 'the first window used up')
  client.abort()
  const ended = () => logs.entries().find((e) => e.msg === 'batch items not sent')
  await until(() => ended() !== undefined, 10_000, 'the batch ended')
  // past the moment the window had room again: a batch still running would have sent more
  await delay(Math.max(0, started + 2600 - performance.now()))
  t.equal(await gets(), 4, 'no upstream call after the disconnect')
  // never sent: one log line for them all
  t.match(ended(), { count: 36, error_types: { unprocessed: 36 }, first: { error: /the client disconnected while waiting for a rate-limit slot/ } }, 'the 36 waiting items ended unprocessed')
})

t.test('a disconnected single read stops retrying', async (t) => {
  // listing 7 never answers: without the abort, 4 attempts of 1 s each
  const { url, sandbox: sb, logs } = await serve(t, { HOSTAWAY_TIMEOUT_MS: '1000', HOSTAWAY_RETRY_BASE_MS: '10' }, { faults: { fail_ids: { hang: [7] } } })
  const gets = async () => upstreamCount((await sb.stats()).requests.by_route, LISTING_GETS)
  const client = new AbortController()
  fetch(`${url}/api/listings/7`, { signal: client.signal }).catch(() => {})
  await until(async () => (await gets()) === 1, 10_000, 'the first attempt')
  client.abort()
  await until(() => logs.entries().some((e) => e.msg === 'request rejected' || e.msg === 'request failed'), 10_000, 'the handler ended')
  await delay(1200) // a retry would have followed the 1 s attempt timeout
  t.equal(await gets(), 1, 'one attempt, no retry after the client left')
  const ended = logs.entries().find((e) => e.msg === 'request failed' || e.msg === 'request rejected') as { err?: { message?: string } }
  t.match(ended.err?.message, /the client disconnected while the request was in flight/)
})

t.test('a read shared with another request goes on when one of them disconnects', async (t) => {
  const { url, sandbox: sb, logs } = await serve(t, {}, { faults: { latency_ms: { min: 1000, max: 1000 } } })
  const gets = async () => upstreamCount((await sb.stats()).requests.by_route, LISTING_GETS)
  const received = () => logs.entries().filter((e) => (e.req as { url?: string } | undefined)?.url === '/api/listings/9').length
  const leaving = new AbortController()
  fetch(`${url}/api/listings/9`, { signal: leaving.signal }).catch(() => {})
  await until(async () => (await gets()) === 1, 10_000, 'the read sent')
  const staying = fetch(`${url}/api/listings/9`)
  await until(() => received() === 2, 10_000, 'the second request waiting for the same read')
  leaving.abort()
  const res = await staying
  t.equal(res.status, 200)
  t.equal((await res.json() as { id: number }).id, 9)
  t.equal(await gets(), 1, 'one upstream read served both; the one left was not cancelled')
})

t.test('REQUEST_TIMEOUT_MS ends a single-item route (504 sent, 503 never sent), never a batch', async (t) => {
  const env = { REQUEST_TIMEOUT_MS: '400', HOSTAWAY_TIMEOUT_MS: '10000' }
  const { app, sandbox: sb } = await serve(t, env, { faults: { fail_ids: { hang: [7] } } })
  const hung = await app.inject({ url: '/api/listings/7' })
  t.equal(hung.statusCode, 504, 'sent, no answer within the request deadline (the per-attempt timeout is 10 s)')
  t.match(hung.json(), { error_type: 'timeout', message: /the request deadline of 400 ms passed while the request was in flight/ })
  t.ok(Number(hung.headers['retry-after']) >= 1)
  t.equal(upstreamCount((await sb.stats()).requests.by_route, LISTING_GETS), 1)

  const batch = await app.inject({ method: 'POST', url: '/api/batch/listings', payload: { ids: [7, 8], timeout_ms: 1200 } })
  t.equal(batch.statusCode, 200)
  const body = batch.json() as BatchBody & { failed: Array<{ error: string }> }
  t.equal(everyItemOnce(body, [7, 8]), undefined)
  t.match(body.failed, [{ operation_id: '7', error_type: 'timeout', error: /the batch deadline of 1200 ms passed/ }], 'the batch runs to its own deadline, past REQUEST_TIMEOUT_MS, and no per-attempt timeout outlives it')

  // a budget of one request per 10 s, taken by the token: the read cannot be sent before the deadline,
  // and the limiter knows it: refused at once (#17), told when its turn would come, rather than left to wait 400 ms
  const { app: starved, sandbox: starvedSb } = await serve(t, { ...env, HOSTAWAY_RATE_LIMIT_IP: '2', HOSTAWAY_RATE_WINDOW_MS: '10000' })
  const waited = await starved.inject({ url: '/api/listings/1' })
  t.equal(waited.statusCode, 503)
  t.match(waited.json(), { error_type: 'rate_limit', message: /^GET \/listings\/1 was not sent: no rate-limit slot in time: its turn would come in about \d+ ms/ })
  t.ok(Number(waited.headers['retry-after']) >= 5, `Retry-After is the predicted wait for the next slot, ~10 s (got ${waited.headers['retry-after']})`)
  t.equal(upstreamCount((await starvedSb.stats()).requests.by_route, LISTING_GETS), 0, 'nothing sent')
})
