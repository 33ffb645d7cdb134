import { test } from 'tap'
import { SlidingWindowLimiter } from '../../sandbox/rate-limit.js'
import { admin, api, credentials, getToken, sleep, start } from './fixtures/helper.js'

test('access tokens', async (t) => {
  const sb = await start(t, { rateLimitIp: 10_000, rateLimitAccount: 10_000 })
  const tokenUrl = `${sb.baseUrl}/accessTokens`

  t.test('issued for the right client credentials (form-encoded)', async (t) => {
    const r = await fetch(tokenUrl, { method: 'POST', body: credentials(sb) })
    t.equal(r.status, 200)
    const body = await r.json() as Record<string, unknown>
    t.same(Object.keys(body).sort(), ['access_token', 'expires_in', 'token_type'])
    t.match(body, { token_type: 'Bearer', expires_in: 15897600, access_token: /^[\w-]+\.[\w-]+\.[\w-]+$/ })
    const [, payload] = String(body.access_token).split('.')
    t.match(JSON.parse(Buffer.from(payload, 'base64url').toString()), { aud: sb.accountId, scopes: ['general'] })
    const other = await getToken(sb)
    t.not(other, body.access_token, 'tokens are unique')
  })

  t.test('wrong or missing credentials → 403', async (t) => {
    const cases: Array<[string, URLSearchParams | undefined]> = [
      ['bad secret', credentials(sb, { client_secret: 'nope' })],
      ['bad account', credentials(sb, { client_id: '999' })],
      ['bad grant_type', credentials(sb, { grant_type: 'password' })],
      ['bad scope', credentials(sb, { scope: 'admin' })],
      ['missing secret', new URLSearchParams({ grant_type: 'client_credentials', client_id: sb.accountId, scope: 'general' })],
      ['no body', undefined]
    ]
    const before = await sb.stats()
    for (const [name, body] of cases) {
      const r = await fetch(tokenUrl, { method: 'POST', body })
      t.equal(r.status, 403, name)
      t.match(await r.json(), { status: 'fail', message: String }, name)
    }
    const after = await sb.stats()
    t.equal(after.tokens_issued, before.tokens_issued)
    t.equal(after.auth_failures, before.auth_failures + cases.length)
  })

  t.test('a JSON body is accepted too', async (t) => {
    const r = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', client_id: Number(sb.accountId), client_secret: sb.apiKey, scope: 'general' })
    })
    t.equal(r.status, 200)
  })

  t.test('data routes need a valid bearer token', async (t) => {
    const cases: Array<[string, Record<string, string>]> = [
      ['no header', {}],
      ['unknown token', { authorization: 'Bearer not-a-real-token' }],
      ['wrong scheme', { authorization: 'Basic dXNlcjpwYXNz' }]
    ]
    for (const [name, headers] of cases) {
      for (const path of ['/listings', '/listings/1', '/reservations/1', '/conversations']) {
        const r = await fetch(`${sb.baseUrl}${path}`, { headers })
        t.equal(r.status, 403, `${name} ${path}`)
        t.match(await r.json(), { status: 'fail', message: String })
      }
    }
    t.equal((await api(sb, await getToken(sb)).get('/listings/1')).status, 200)
  })

  t.test('DELETE /accessTokens revokes one token', async (t) => {
    const token = await getToken(sb)
    const keep = await getToken(sb)
    t.equal((await api(sb, token).get('/listings/1')).status, 200)
    const del = await fetch(`${tokenUrl}?token=${encodeURIComponent(token)}`, { method: 'DELETE' })
    t.equal(del.status, 200)
    t.same(await del.json(), { status: 'success', result: [] })
    const denied = await api(sb, token).get('/listings/1')
    t.equal(denied.status, 403)
    t.match(denied.body, { status: 'fail', message: /revoked/ })
    t.equal((await api(sb, keep).get('/listings/1')).status, 200, 'other tokens still work')
    t.equal((await fetch(`${tokenUrl}?token=unknown`, { method: 'DELETE' })).status, 404)
    t.equal((await fetch(tokenUrl, { method: 'DELETE' })).status, 400)
  })

  t.test('expire-tokens revokes every token issued so far', async (t) => {
    const a = await getToken(sb)
    const b = await getToken(sb)
    const r = await admin<{ revoked: number }>(sb, 'POST', '/expire-tokens')
    t.equal(r.status, 200)
    t.ok(r.body.revoked >= 2)
    t.equal((await api(sb, a).get('/listings/1')).status, 403)
    t.equal((await api(sb, b).get('/listings/1')).status, 403)
    const fresh = await getToken(sb)
    t.equal((await api(sb, fresh).get('/listings/1')).status, 200, 'a new token works')
    await sb.expireTokens()
    t.equal((await api(sb, fresh).get('/listings/1')).status, 403, 'RunningSandbox.expireTokens() too')
  })
})

test('tokens settle after tokenSettleMs and expire after tokenTtlSeconds', async (t) => {
  const sb = await start(t, { tokenTtlSeconds: 1, tokenSettleMs: 300 })
  const r = await fetch(`${sb.baseUrl}/accessTokens`, { method: 'POST', body: credentials(sb) })
  const { access_token: token, expires_in: ttl } = await r.json() as { access_token: string, expires_in: number }
  // the token was issued before its answer arrived: waits counted from here are long enough under load
  const started = Date.now()
  t.equal(ttl, 1)
  const early = await api(sb, token).get('/listings/1')
  t.equal(early.status, 403)
  t.match(early.body, { message: /not valid yet/ })
  await sleep(350)
  t.equal((await api(sb, token).get('/listings/1')).status, 200)
  await sleep(Math.max(0, started + 1050 - Date.now()))
  const expired = await api(sb, token).get('/listings/1')
  t.equal(expired.status, 403)
  t.match(expired.body, { status: 'fail', message: /expired/ })
})

/** Hostaway's own 429 body, word for word: what the sandbox must answer over HTTP (below). */
const HOSTAWAY_429 = {
  status: 'fail',
  message: 'This error occurs because a server detects that your application has exceeded the rate limits or has made too many requests in a given period of time.'
}

test('SlidingWindowLimiter (fake clock)', async (t) => {
  let now = 0
  const limiter = new SlidingWindowLimiter(3, 5, 1000, () => now)
  t.match(limiter.tryAdmit('a', undefined), { ok: true, ipCount: 1, accountCount: 0 })
  now = 100
  t.match(limiter.tryAdmit('a', 'x'), { ok: true, ipCount: 2, accountCount: 1 })
  now = 200
  t.match(limiter.tryAdmit('a', 'x'), { ok: true, ipCount: 3, accountCount: 2 })
  now = 999
  t.same(limiter.tryAdmit('a', 'x'), { ok: false, limitedBy: 'ip' })
  t.match(limiter.tryAdmit('b', 'x'), { ok: true, ipCount: 1, accountCount: 3 }, 'another IP has its own log')
  now = 1000
  t.match(limiter.tryAdmit('a', 'x'), { ok: true, ipCount: 3 }, 'the request at t=0 left the window (sliding, not fixed)')
  t.match(limiter.tryAdmit('c', 'x'), { ok: true, accountCount: 5 })
  t.same(limiter.tryAdmit('d', 'x'), { ok: false, limitedBy: 'account' })
  t.same(limiter.tryAdmit('d', 'x'), { ok: false, limitedBy: 'account' })
  now = 1100
  t.match(limiter.tryAdmit('d', 'x'), { ok: true, accountCount: 5 }, 'rejected requests were not logged')
  limiter.reset()
  t.match(limiter.tryAdmit('a', 'x'), { ok: true, ipCount: 1, accountCount: 1 })
})

test('per-IP limit (15 per window)', async (t) => {
  // A long window so a slow machine cannot spread a burst over two windows.
  const sb = await start(t, { rateLimitAccount: 1000, rateWindowMs: 5000 })
  const token = await getToken(sb)
  const c = api(sb, token)

  t.test('a burst of 16 in one window gets one Hostaway 429', async (t) => {
    await sb.reset() // forget the token request
    const results = await Promise.all(Array.from({ length: 16 }, () => c.get('/listings/1')))
    const limited = results.filter((r) => r.status === 429)
    t.equal(results.filter((r) => r.status === 200).length, 15)
    t.equal(limited.length, 1)
    t.same(limited[0].body, HOSTAWAY_429)
    t.equal(limited[0].headers.get('retry-after'), null, 'no Retry-After header')
    const s = await sb.stats()
    t.equal(s.rate_limited, 1)
    t.same(s.rate_limited_by, { ip: 1, account: 0 })
    t.equal(s.max_in_window_ip, 15)
    t.equal(s.requests.total, 16, 'rejected requests are still counted as requests')
  })

  t.test('calls with a bad token count against the IP only', async (t) => {
    await sb.reset()
    const bad = await Promise.all(Array.from({ length: 15 }, () => api(sb, 'bogus').get('/listings/1')))
    t.ok(bad.every((r) => r.status === 403))
    t.equal((await c.get('/listings/1')).status, 429, 'the IP window is full of 403s')
    const s = await sb.stats()
    t.equal(s.max_in_window_ip, 15)
    t.equal(s.max_in_window_account, 0, 'nothing was logged against the account')
    t.equal(s.auth_failures, 15)
  })

  t.test('admin routes are never limited nor counted', async (t) => {
    await sb.reset()
    const statuses = await Promise.all(Array.from({ length: 30 }, async () => (await admin(sb, 'GET', '/stats')).status))
    t.ok(statuses.every((s) => s === 200))
    const s = await sb.stats()
    t.equal(s.requests.total, 0)
    t.equal(s.rate_limited, 0)
  })
})

test('per-account limit (20 per window) with a higher IP limit', async (t) => {
  const sb = await start(t, { rateLimitIp: 1000, rateWindowMs: 2000 })
  const c = api(sb, await getToken(sb))

  t.test('a burst of 25 gets 5 Hostaway 429s; token requests count too', async (t) => {
    await sb.reset()
    const results = await Promise.all(Array.from({ length: 25 }, () => c.get('/listings/2')))
    t.equal(results.filter((r) => r.status === 200).length, 20)
    const limited = results.filter((r) => r.status === 429)
    t.equal(limited.length, 5)
    t.same(limited[0].body, HOSTAWAY_429)
    const s = await sb.stats()
    t.same(s.rate_limited_by, { ip: 0, account: 5 })
    t.equal(s.max_in_window_account, 20)
    // a token request counts against its client_id
    const tokenReq = await fetch(`${sb.baseUrl}/accessTokens`, { method: 'POST', body: credentials(sb) })
    t.equal(tokenReq.status, 429)
    t.same(await tokenReq.json(), HOSTAWAY_429)
  })

  t.test('429s are not logged: capacity returns once admitted requests leave the window', async (t) => {
    await sb.reset()
    const started = Date.now()
    const first = await Promise.all(Array.from({ length: 20 }, () => c.get('/listings/1')))
    t.ok(first.every((r) => r.status === 200))
    await sleep(800)
    const rejected = await Promise.all(Array.from({ length: 20 }, () => c.get('/listings/1')))
    t.ok(rejected.every((r) => r.status === 429), 'window full')
    await sleep(Math.max(0, started + 2100 - Date.now()))
    t.equal((await c.get('/listings/1')).status, 200, 'the 20 rejected calls did not refill the window')
    t.equal((await sb.stats()).rate_limited, 20)
  })
})
