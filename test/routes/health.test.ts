import { test } from 'tap'
import { build } from '../helper.js'
import { serve } from '../reliability/helper.js'

test('GET /health is 200 without any key', async (t) => {
  const { app } = await build(t, { API_KEYS: 'k1' })
  const res = await app.inject({ url: '/health' })
  t.equal(res.statusCode, 200)
  t.match(res.json(), { status: 'ok', upstream: 'hostaway', jobs: 'memory' }, 'jobs run in this process without REDIS_URL')
  t.ok(res.headers['x-request-id'], 'request id echoed')
})

test('GET /ready is 200 when a token can be obtained', async (t) => {
  const { app, sandbox } = await build(t)
  const res = await app.inject({ url: '/ready' })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { status: 'ready', upstream: 'hostaway', upstream_url: sandbox.baseUrl })
  t.equal((await sandbox.stats()).tokens_issued, 1)
})

test('/health and /ready say when the upstream is the sandbox, and never show credentials of HOSTAWAY_BASE_URL', async (t) => {
  const { app, sandbox } = await serve(t, {}, {}, 'sandbox')
  const { app: other } = await serve(t, { HOSTAWAY_BASE_URL: `http://gw-user:url-pa55word@127.0.0.1:${sandbox.port}/v1` })
  for (const url of ['/health', '/ready']) {
    t.equal((await app.inject({ url })).json().upstream, 'sandbox', `${url} of a sandbox-backed gateway`)
    const res = await other.inject({ url })
    t.equal(res.statusCode, 200, `${url} works with userinfo in the base URL`)
    t.notMatch(res.body, /gw-user|url-pa55word/, `${url} shows no userinfo`)
  }
  t.equal((await other.inject({ url: '/ready' })).json().upstream_url, `http://127.0.0.1:${sandbox.port}/v1`)
})

test('GET /ready is 503 with the error schema when the credentials are wrong', async (t) => {
  const { app, logs } = await build(t, { HOSTAWAY_API_KEY: 'wrong-secret-123' })
  const res = await app.inject({ url: '/ready' })
  t.equal(res.statusCode, 503)
  t.equal(res.headers['retry-after'], '5')
  const body = res.json()
  t.match(body, { statusCode: 503, error: 'Service Unavailable', request_id: String(res.headers['x-request-id']) })
  t.equal(body.error_type, 'upstream_auth')
  t.notMatch(res.body, /wrong-secret-123/)
  t.notMatch(logs.text, /wrong-secret-123/, 'the secret never reaches the logs')
})
