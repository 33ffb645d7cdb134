import { request as httpRequest } from 'node:http'
import { test } from 'tap'
import { startSandbox } from '../../sandbox/index.js'
import type { Faults, RunningSandbox } from '../../sandbox/index.js'
import { admin, api, getToken, sleep, start, type Obj } from './fixtures/helper.js'

const HOSTAWAY_429 = {
  status: 'fail',
  message: 'This error occurs because a server detects that your application has exceeded the rate limits or has made too many requests in a given period of time.'
}

/** GET over node:http, resolving with the status or the socket error code. */
function rawGet (sb: RunningSandbox, path: string, token: string): Promise<{ status?: number, error?: string }> {
  return new Promise((resolve) => {
    const req = httpRequest(`${sb.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` }, agent: false }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode }))
    })
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }))
    req.end()
  })
}

async function until (check: () => Promise<boolean>, ms = 2000): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await sleep(10)
  }
}

test('fault injection', async (t) => {
  const sb = await start(t, { rateLimitIp: 100_000, rateLimitAccount: 100_000 })
  const token = await getToken(sb)
  const c = api(sb, token)
  const withFaults = async (faults: Faults) => {
    await sb.reset()
    await sb.setFaults(faults)
  }

  t.test('status rates: 500, 502, 503, 429', async (t) => {
    for (const code of ['500', '502', '503', '429'] as const) {
      await withFaults({ status_rates: { [code]: 1 } })
      const r = await c.get<unknown>('/listings/1')
      t.equal(r.status, Number(code), code)
      if (code === '500') t.match(r.body, { status: 'fail', message: String })
      if (code === '502' || code === '503') {
        t.match(r.headers.get('content-type'), /text\/html/, 'an nginx page, as a load balancer sends')
        t.match(r.body, new RegExp(`<h1>${code} `))
      }
      if (code === '429') {
        t.same(r.body, HOSTAWAY_429)
        t.equal(r.headers.get('retry-after'), null)
      }
      const s = await sb.stats()
      t.equal(s.faults_injected[code], 1)
      t.equal(s.rate_limited, 0, 'an injected 429 is not a rate-limit rejection')
    }
  })

  t.test('fail_200: HTTP 200 with a fail body', async (t) => {
    await withFaults({ fail_200_rate: 1 })
    const r = await c.get<Obj>('/reservations/1')
    t.equal(r.status, 200)
    t.match(r.body, { status: 'fail', result: String })
    t.equal((await sb.stats()).faults_injected.fail_200, 1)
  })

  t.test('latency', async (t) => {
    await withFaults({ latency_ms: { min: 120, max: 160 } })
    const t0 = performance.now()
    const r = await c.get('/listings/1')
    const took = performance.now() - t0
    t.equal(r.status, 200)
    t.ok(took >= 115, `took ${took.toFixed(0)} ms`)
    t.equal((await sb.stats()).faults_injected.latency, 1)
  })

  t.test('hang: the client times out', async (t) => {
    await withFaults({ hang_rate: 1 })
    const t0 = performance.now()
    await t.rejects(c.get('/listings/1', { signal: AbortSignal.timeout(200) }), { name: 'TimeoutError' })
    t.ok(performance.now() - t0 < 1000)
    t.equal((await sb.stats()).faults_injected.hang, 1)
  })

  t.test('reset: the connection is reset', async (t) => {
    await withFaults({ reset_rate: 1 })
    const r = await rawGet(sb, '/listings/1', token)
    t.equal(r.status, undefined)
    t.equal(r.error, 'ECONNRESET')
    await t.rejects(c.get('/listings/1'), TypeError, 'fetch fails too')
    t.equal((await sb.stats()).faults_injected.reset, 2)
  })

  t.test('fail_ids: an id always fails, on each id route', async (t) => {
    await withFaults({ fail_ids: { 503: [2], 404: [4], 500: [7] } })
    t.equal((await c.get('/listings/2')).status, 503)
    t.equal((await c.get('/listings/2')).status, 503, 'every time')
    t.equal((await c.get('/listings/2/calendar')).status, 503)
    t.equal((await c.get('/reservations/2')).status, 503)
    const nf = await c.get('/listings/4')
    t.equal(nf.status, 404)
    t.match(nf.body, { status: 'fail', message: /Listing not found/ })
    t.equal((await c.get('/listings/1')).status, 200, 'other ids are fine')
    t.equal((await c.get('/listings')).status, 200, 'lists are not id routes')
    const writes = (await sb.stats()).writes
    t.equal((await c.put('/listings/7', { price: 1 })).status, 500)
    t.equal((await sb.stats()).writes, writes, 'the failed write was not applied')
    await sb.setFaults({})
    t.not((await c.get<{ result: { price: number } }>('/listings/7')).body.result.price, 1)
  })

  t.test('fail_ids with hang and reset', async (t) => {
    await withFaults({ fail_ids: { hang: [3], reset: [5] } })
    await t.rejects(c.get('/reservations/3', { signal: AbortSignal.timeout(150) }), { name: 'TimeoutError' })
    t.equal((await rawGet(sb, '/reservations/5', token)).error, 'ECONNRESET')
    t.equal((await c.get('/reservations/6')).status, 200)
  })

  t.test('fail_ids_once: 503 once, then the retry succeeds', async (t) => {
    await withFaults({ fail_ids_once: { 503: [1], 429: [2] } })
    t.equal((await c.get('/listings/1')).status, 503)
    t.equal((await c.get('/listings/1')).status, 200)
    t.equal((await c.get('/listings/2')).status, 429)
    t.equal((await c.get('/listings/2')).status, 200)
    await sb.setFaults({ fail_ids_once: { 503: [1] } })
    t.equal((await c.get('/listings/1')).status, 503, 'setting the faults again re-arms it')
    t.equal((await c.get('/listings/1')).status, 200)
  })

  t.test('random faults are reproducible for the same seed and sequence', async (t) => {
    const run = async () => {
      await withFaults({ status_rates: { 500: 0.3, 503: 0.2 } })
      const out: number[] = []
      for (let i = 0; i < 30; i++) out.push((await c.get('/listings/1')).status)
      return out
    }
    const a = await run()
    const b = await run()
    t.same(a, b)
    t.ok(a.includes(200) && a.includes(500) && a.includes(503), a.join(','))
  })

  t.test('faults never touch accessTokens nor admin routes', async (t) => {
    await withFaults({ status_rates: { 500: 1 } })
    t.equal((await getToken(sb)).length > 0, true)
    t.equal((await admin(sb, 'GET', '/stats')).status, 200)
  })

  t.test('POST /__sandbox/faults sets and validates', async (t) => {
    await sb.reset()
    const ok = await admin<Faults>(sb, 'POST', '/faults', { fail_ids: { 500: [9] }, latency_ms: { min: 0, max: 0 } })
    t.equal(ok.status, 200)
    t.same(ok.body, { fail_ids: { 500: [9] }, latency_ms: { min: 0, max: 0 } })
    t.same((await admin(sb, 'GET', '/faults')).body, ok.body)
    t.equal((await c.get('/listings/9')).status, 500)
    const bad: unknown[] = [
      { hang_rate: 2 },
      { hang_rat: 0.5 },
      { status_rates: { 418: 0.1 } },
      { status_rates: { 500: 0.6, 503: 0.6 } },
      { latency_ms: { min: 50, max: 10 } },
      { latency_ms: { min: 10 } },
      { fail_ids: { 500: ['x'] } },
      { fail_ids: { teapot: [1] } },
      { fail_ids_once: { 503: 1 } },
      [],
      'faults'
    ]
    for (const body of bad) {
      const r = await admin(sb, 'POST', '/faults', body)
      t.equal(r.status, 400, JSON.stringify(body))
      t.match(r.body, { status: 'fail', message: String })
    }
    t.same((await admin(sb, 'GET', '/faults')).body, ok.body, 'a rejected config changes nothing')
    t.match(await sb.setFaults({ reset_rate: -1 }).catch((err: unknown) => err), { statusCode: 400, message: /reset_rate/ })
    await t.rejects(sb.setFaults({ hang_rate: 0.5, reset_rate: 0.6 }), /must not exceed 1/)
  })

  t.test('POST /__sandbox/reset clears faults and counters', async (t) => {
    await sb.setFaults({ status_rates: { 503: 1 } })
    await c.get('/listings/1')
    t.equal((await admin(sb, 'POST', '/reset')).status, 200)
    t.same((await admin(sb, 'GET', '/faults')).body, {})
    t.equal((await sb.stats()).requests.total, 0)
    t.equal((await c.get('/listings/1')).status, 200, 'tokens survive a reset')
    t.equal((await admin(sb, 'POST', '/reset', { data: 'yes' })).status, 400)
    t.equal((await admin(sb, 'POST', '/reset', { everything: true })).status, 400)
  })
})

test('bad options are rejected with a TypeError naming the option and the rule', async (t) => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ faults: { hang_rate: 5 } }, /^sandbox option faults\/hang_rate Expected number to be less or equal to 1, got 5$/],
    [{ faults: { hang_rate: 0.7, reset_rate: 0.7 } }, /^sandbox option faults: the rates together must not exceed 1$/],
    [{ baseDate: '2026-02-30' }, /^sandbox option baseDate must be a real date/],
    [{ baseDate: 'today' }, /^sandbox option baseDate Expected string to match/],
    [{ rateLimitIp: 0 }, /^sandbox option rateLimitIp Expected integer to be greater or equal to 1, got 0$/],
    [{ listingCount: 1.5 }, /^sandbox option listingCount Expected integer/],
    [{ listingCount: 10_001 }, /^sandbox option listingCount .*10000/],
    [{ seed: -1 }, /^sandbox option seed /],
    [{ accountId: '' }, /^sandbox option accountId /],
    [{ logger: 'loud' }, /^sandbox option logger must be/],
    [{ rateLimitIP: 5 }, /^sandbox option rateLimitIP Unexpected property/]
  ]
  for (const [opts, message] of cases) await t.rejects(startSandbox(opts), { name: 'TypeError', message }, JSON.stringify(opts))
})

test('faults given at start; close() is quick with hanging requests and pending latency', async (t) => {
  const sb = await startSandbox({ faults: { fail_ids: { hang: [1], 502: [3] } }, rateWindowMs: 1000 })
  const token = await getToken(sb)
  t.equal((await api(sb, token).get('/listings/3')).status, 502, 'start-up faults apply')
  t.equal((await api(sb, token).get('/listings/2')).status, 200)
  const hanging = Array.from({ length: 3 }, () => rawGet(sb, '/listings/1', token))
  await until(async () => (await sb.stats()).faults_injected.hang === 3)
  await sb.setFaults({ latency_ms: { min: 5000, max: 5000 } })
  const slow = rawGet(sb, '/listings/2', token)
  await until(async () => (await sb.stats()).faults_injected.latency === 1)

  const t0 = performance.now()
  await sb.close()
  const took = performance.now() - t0
  t.ok(took < 500, `closed in ${took.toFixed(0)} ms`)
  const results = await Promise.all([...hanging, slow])
  t.ok(results.every((r) => r.error !== undefined), 'the pending requests fail on the client')
})
