import t from 'tap'
import pino from 'pino'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createAttemptRunner } from '../../../../services/hostaway/call/attempt.js'
import { createBreaker } from '../../../../services/hostaway/call/breaker.js'
import { createUpstreamHttp } from '../../../../services/hostaway/call/http.js'
import { createMemoryRateLimiter } from '../../../../services/limiter/limiter.js'
import { createTokenManager } from '../../../../services/hostaway/call/token.js'
import { failure } from '../fixtures.js'
import { NO_TELEMETRY } from '../../../../services/telemetry.js'

// The token manager alone, against a scripted token endpoint (the client's use of it: token.test.ts).

// every log line of the suite, checked for secrets at the end
const lines: string[] = []
const logger = pino({ level: 'debug' }, { write (s: string) { lines.push(s) } })

t.test('token manager: retries 5xx, caches until expiry, invalidates only the current token, remembers rejected credentials', async (t) => {
  const answers: Array<[number, object]> = [
    [503, { status: 'fail', message: 'busy' }],
    [502, {}],
    [200, { token_type: 'Bearer', expires_in: 100, access_token: 'tok-1' }],
    [200, { token_type: 'Bearer', expires_in: 100, access_token: 'tok-2' }],
    [200, { token_type: 'Bearer', expires_in: 100, access_token: 'tok-3' }],
    [200, { token_type: 'Bearer' }],
    [200, { token_type: 'Bearer' }],
    [200, { token_type: 'Bearer' }],
    [200, { token_type: 'Bearer' }],
    [403, { status: 'fail', message: 'Invalid client' }],
    [200, { token_type: 'Bearer', expires_in: 100, access_token: 'tok-4' }]
  ]
  const bodies: string[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => { body += c.toString() })
    req.on('end', () => {
      bodies.push(body)
      const [status, json] = answers.shift() ?? [500, {}]
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { server.close() })
  const { port } = server.address() as AddressInfo
  const http = createUpstreamHttp({ baseUrl: `http://127.0.0.1:${port}/v1`, timeoutMs: 1000 })
  t.teardown(() => http.close())
  const limiter = createMemoryRateLimiter({ telemetry: NO_TELEMETRY, limits: [{ name: 'ip', max: 100 }], windowMs: 1000 })
  t.teardown(() => limiter.close())
  let now = 1_000_000
  const breaker = createBreaker({ telemetry: NO_TELEMETRY, settings: { threshold: 10, windowMs: 30000, openMs: 10000, probeTimeoutMs: 1000 }, log: logger, now: () => now })
  const { run } = createAttemptRunner({
    telemetry: NO_TELEMETRY,
    http,
    limiter,
    breaker,
    policy: { timeoutMs: 1000, maxRetries: 3, retryBaseMs: 5, retryMaxDelayMs: 50, rateWindowMs: 1000 },
    log: logger,
    random: Math.random
  })
  const tm = createTokenManager({ telemetry: NO_TELEMETRY, run, clientId: '10000', clientSecret: 'the-secret', settleMs: 0, credentialFailureBackoffMs: 5000, log: logger, now: () => now })
  t.teardown(() => tm.close())

  const [a, b] = await Promise.all([tm.getToken(), tm.getToken()])
  t.equal(a, 'tok-1')
  t.equal(b, 'tok-1')
  t.equal(bodies.length, 3, 'two 5xx retried, then one token')
  t.same(Object.fromEntries(new URLSearchParams(bodies[0])), {
    grant_type: 'client_credentials', client_id: '10000', client_secret: 'the-secret', scope: 'general'
  }, 'form-encoded client credentials')

  tm.invalidate('some-older-token')
  t.equal(await tm.getToken(), 'tok-1', 'invalidating a stale token keeps the current one')
  tm.invalidate('tok-1')
  t.equal(await tm.getToken(), 'tok-2', 'invalidating the current token fetches a new one')

  now += 89_000
  t.equal(await tm.getToken(), 'tok-2', 'still valid before expiry minus the margin')
  now += 2_000
  t.equal(await tm.getToken(), 'tok-3', 'renewed shortly before expiry')

  tm.invalidate('tok-3')
  const err = await failure(tm.getToken())
  t.equal(err.error_type, 'upstream_error', 'a 2xx without access_token')
  t.match(err.message, /^POST \/accessTokens → HTTP 200/)
  t.equal(err.attempts, 0, 'no data attempt was made')
  t.equal(bodies.length, 9, 'the 2xx without a token was tried 1 + 3 times')

  // rejected credentials: not retried, remembered for credentialFailureBackoffMs, then asked again
  const rejected = await failure(tm.getToken())
  t.equal(rejected.error_type, 'upstream_auth')
  t.equal(rejected.retryable, false)
  t.equal(bodies.length, 10, 'a 403 is not retried')
  now += 4_000
  t.equal((await failure(tm.getToken())).error_type, 'upstream_auth', 'still remembered')
  t.equal(bodies.length, 10, 'no new request while remembered')
  now += 1_001
  t.equal(await tm.getToken(), 'tok-4', 'asked again after the backoff')
  t.equal(bodies.length, 11)

  tm.close()
  t.equal((await failure(tm.getToken())).error_type, 'unprocessed', 'closed')
})

t.test('its logs never carry the secret or a token', async (t) => {
  const text = lines.join('')
  t.ok(lines.length > 0, `${lines.length} log lines captured`)
  t.notMatch(text, /the-secret|tok-\d/)
  t.notMatch(text, /Bearer /i)
  t.notMatch(text, /client_secret/)
})
