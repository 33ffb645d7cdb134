import t from 'tap'
import pino from 'pino'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { RunningSandbox } from '../../../../sandbox/index.js'
import { sandbox, seededTests } from '../../../helper.js'
import { failure, testClient, type TestClientOptions } from '../fixtures.js'
import { upstreamCount } from '../../../fixtures/harness.js'

// every log line of the suite, checked for secrets at the end
const lines: string[] = []
const logger = pino({ level: 'debug' }, { write (s: string) { lines.push(s) } })

type Sandbox = RunningSandbox
type Scope = Pick<typeof t, 'teardown'>

const TOKEN_POST = /^POST \S*accessTokens$/
const LISTING_GET = /^GET \S*\/listings\/:[^/]+$/

const sb = await sandbox(t)
const test = seededTests(t, sb)

function client (t: Scope, env: TestClientOptions['env'] = {}, sandbox: Sandbox = sb, log = logger) {
  return testClient(t, sandbox, { log, env })
}

test('100 concurrent cold calls share one token request', async (t) => {
  const c = client(t)
  const results = await Promise.all(Array.from({ length: 100 }, (_, i) =>
    i % 2 === 0 ? c.checkReady() : c.getListing((Math.floor(i / 2) % 10) + 1)
  ))
  t.equal(results.length, 100)
  const s = await sb.stats()
  t.equal(s.tokens_issued, 1, 'one token issued upstream')
  t.equal(upstreamCount(s.requests.by_route, TOKEN_POST), 1, 'one token request')
  t.equal(upstreamCount(s.requests.by_route, LISTING_GET), 10, 'identical reads were de-duplicated')
})

test('revoked tokens: one refresh, every call succeeds', async (t) => {
  const c = client(t)
  await c.getListing(1)
  const before = (await sb.stats()).tokens_issued
  await sb.expireTokens()
  const listings = await Promise.all(Array.from({ length: 10 }, (_, i) => c.getListing(i + 1)))
  t.same(listings.map((l) => l.id), Array.from({ length: 10 }, (_, i) => i + 1))
  const s = await sb.stats()
  t.equal(s.tokens_issued, before + 1, 'exactly one new token')
  t.equal(upstreamCount(s.requests.by_route, TOKEN_POST), 2, 'two token requests in all')
})

test('wrong client secret fails fast, clearly, without hammering', async (t) => {
  const c = client(t, { HOSTAWAY_API_KEY: 'wrong-secret' })
  const attempts: number[] = []
  const errors = await Promise.all(Array.from({ length: 30 }, (_, i) =>
    failure(c.getListing(i + 1, { onAttempt: () => attempts.push(i) }))
  ))
  for (const err of errors) {
    t.equal(err.error_type, 'upstream_auth')
    t.equal(err.retryable, false)
    t.equal(err.attempts, 0)
    t.equal(err.status_code, 403)
  }
  t.match(errors[0].message, /^Hostaway rejected the client credentials \(HTTP 403\)$/)
  t.same(attempts, [], 'no data call was sent')
  let s = await sb.stats()
  t.equal(upstreamCount(s.requests.by_route, TOKEN_POST), 1, '30 callers, one token request')
  t.equal(s.tokens_issued, 0)

  // remembered for a while (5 s): no new request
  t.equal((await failure(c.checkReady())).error_type, 'upstream_auth')
  s = await sb.stats()
  t.equal(upstreamCount(s.requests.by_route, TOKEN_POST), 1, 'the failure is cached')
})

test('an aborted wait for the token leaves the call unprocessed', async (t) => {
  const c = client(t, { HOSTAWAY_TOKEN_SETTLE_MS: 400 })
  const err = await failure(c.getListing(1, { signal: AbortSignal.timeout(100) }))
  t.equal(err.error_type, 'unprocessed')
  t.equal(err.attempts, 0)
  t.equal(err.retryable, true)
  // the shared token request went on: the next caller reuses it
  await c.getListing(1)
  t.equal((await sb.stats()).tokens_issued, 1)
})

test('settle wait: the first use of a new token waits tokenSettleMs', async (t) => {
  // this sandbox refuses a token during its first 300 ms, as Hostaway documents
  const strict = await sandbox(t, { tokenSettleMs: 300 })

  const issuedAt: number[] = []
  const settleLines: string[] = []
  const log = pino({ level: 'debug' }, {
    write (s: string) {
      lines.push(s)
      settleLines.push(s)
      const entry = JSON.parse(s) as { msg?: string, time: number }
      if (entry.msg === 'hostaway token issued') issuedAt.push(entry.time)
    }
  })
  const c = client(t, { HOSTAWAY_TOKEN_SETTLE_MS: 320 }, strict, log)
  let attemptAt = 0
  const listing = await c.getListing(3, { onAttempt: () => { attemptAt = Date.now() } })
  t.equal(listing.id, 3)
  t.equal(issuedAt.length, 1)
  t.ok(attemptAt - issuedAt[0] >= 300, `first data attempt ${attemptAt - issuedAt[0]} ms after the token (>= 300)`)
  const s = await strict.stats()
  t.equal(s.auth_failures, 0, 'never used too early')
  t.equal(s.tokens_issued, 1)
  // concurrent callers share the same wait and token
  await Promise.all([c.getListing(4), c.getListing(5), c.checkReady()])
  t.equal((await strict.stats()).tokens_issued, 1)

  // without the wait the token is refused; one refresh, then `upstream_auth`
  const eager = client(t, { HOSTAWAY_TOKEN_SETTLE_MS: 0 }, strict, log)
  let attempts = 0
  const err = await failure(eager.getListing(6, { onAttempt: () => { attempts++ } }))
  t.equal(err.error_type, 'upstream_auth')
  t.equal(err.status_code, 403)
  t.equal(err.retryable, false)
  t.equal(err.attempts, 2, 'the call was retried once with a fresh token')
  t.equal(attempts, 2)
  t.equal((await strict.stats()).tokens_issued, 3)
  t.notMatch(err.message, /Bearer|eyJ/)
})

// The token manager alone, against a scripted accessTokens endpoint (the sandbox has no faults for it)
test('the logs never carry the secret or a token', async (t) => {
  const c = client(t, { HOSTAWAY_MAX_RETRIES: 1 })
  await sb.setFaults({ fail_ids: { 500: [7] } })
  await c.getListing(1)
  await failure(c.getListing(7))
  const text = lines.join('')
  t.ok(lines.length > 10, `${lines.length} log lines captured`)
  t.match(text, /hostaway token issued/)
  t.notMatch(text, /sandbox-secret/)
  t.notMatch(text, /wrong-secret/)
  t.notMatch(text, /the-secret|tok-\d/)
  t.notMatch(text, /Bearer /i)
  t.notMatch(text, /eyJ[\w-]{10,}/, 'no JWT-shaped token')
  t.notMatch(text, /client_secret/)
})

// A scripted Hostaway: tokens tok-1, tok-2, …; a data request with a revoked token is refused (403)
test('a call survives its token being revoked twice while it runs; each revocation costs one token', async (t) => {
  let issued = 0
  const revoked = new Set<string>()
  const seen: string[] = []
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      if (req.url?.endsWith('/accessTokens') === true) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: `tok-${++issued}`, expires_in: 3600 }))
        return
      }
      const token = String(req.headers.authorization).replace('Bearer ', '')
      seen.push(token)
      // tok-2 is revoked the moment it is first used, before it ever worked
      if (token === 'tok-2' && !revoked.has(token)) revoked.add(token)
      if (revoked.has(token)) {
        res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'fail', message: 'revoked' }))
        return
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', result: { id: 1, name: 'x' } }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { server.close() })
  const { port } = server.address() as AddressInfo
  const scripted = { baseUrl: `http://127.0.0.1:${port}/v1`, accountId: '1', apiKey: 'k' } as Sandbox
  const c = testClient(t, scripted, { log: logger, env: { HOSTAWAY_TOKEN_SETTLE_MS: 0 } })

  t.equal((await c.getListing(1)).id, 1, 'tok-1 works')
  revoked.add('tok-1')
  let attempts = 0
  const listing = await c.getListing(2, { onAttempt: () => { attempts++ } })
  t.equal(listing.id, 1, 'the call succeeded')
  t.same(seen, ['tok-1', 'tok-1', 'tok-2', 'tok-3'], 'resent with each new token')
  t.equal(attempts, 3)
  t.equal(issued, 3, 'one token per revocation')

  // a token that never works: one refresh per call, then upstream_auth
  revoked.add('tok-3').add('tok-4').add('tok-5')
  const err = await failure(c.getListing(3))
  t.match(err, { error_type: 'upstream_auth', status_code: 403, retryable: false, attempts: 3 })
  t.same(seen.slice(4), ['tok-3', 'tok-4', 'tok-5'], 'tok-3 had worked (revoked: resent), tok-4 never did (one refresh), tok-5 neither: stop')
})
