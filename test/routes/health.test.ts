import { test } from 'tap'
import { build } from '../helper.js'

test('GET /health is 200 without any key', async (t) => {
  const { app } = await build(t, { API_KEYS: 'k1' })
  const res = await app.inject({ url: '/health' })
  t.equal(res.statusCode, 200)
  t.equal(res.json().status, 'ok')
  t.ok(res.headers['x-request-id'], 'request id echoed')
})

test('GET /ready is 200 when a token can be obtained', async (t) => {
  const { app, sandbox } = await build(t)
  const res = await app.inject({ url: '/ready' })
  t.equal(res.statusCode, 200)
  t.match(res.json(), { status: 'ready', upstream: sandbox.baseUrl })
  t.equal((await sandbox.stats()).tokens_issued, 1)
})

test('GET /ready is 503 with the error schema when the credentials are wrong', async (t) => {
  const { app, logs } = await build(t, { HOSTAWAY_API_KEY: 'wrong-secret-123' })
  const res = await app.inject({ url: '/ready' })
  t.equal(res.statusCode, 503)
  t.equal(res.headers['retry-after'], '5')
  const body = res.json()
  t.match(body, { statusCode: 503, error: 'Service Unavailable', request_id: String(res.headers['x-request-id']) })
  t.match(body.error_type, /^(upstream_auth|unauthorized|forbidden)$/, 'the gateway credentials were rejected')
  t.notMatch(res.body, /wrong-secret-123/)
  t.notMatch(logs.text, /wrong-secret-123/, 'the secret never reaches the logs')
})
