import { test } from 'tap'
import Fastify from 'fastify'
import sensible from '@fastify/sensible'
import { pino } from 'pino'
import { Type } from '@sinclair/typebox'
import errorHandler from '../../plugins/app/error-handler.js'
import requestId from '../../plugins/app/request-id.js'
import { INTERNAL_ERROR_MESSAGE } from '../../services/error-response.js'
import { GatewayError } from '../../services/errors.js'
import { serverOptions } from '../../app.js'
import { loadConfig } from '../../services/config.js'
import { loggerOptions } from '../../services/logger.js'
import { LogCapture } from '../log-capture.js'

class LeakyError extends Error {}

async function bare () {
  const config = loadConfig({ HOSTAWAY_ACCOUNT_ID: '1', HOSTAWAY_API_KEY: 'super-secret-value' })
  const logs = new LogCapture()
  const app = Fastify(serverOptions(config, { loggerInstance: pino(loggerOptions(config, { pretty: false }), logs) }))
  await app.register(sensible)
  await app.register(requestId)
  await app.register(errorHandler)
  app.post('/items', {
    schema: {
      body: Type.Object({
        ids: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1 })
      }, { additionalProperties: false })
    }
  }, async () => ({ ok: true }))
  app.get('/boom', async () => {
    throw new LeakyError('db password=hunter2 at /srv/app.ts:12 Bearer abc.def')
  })
  app.get('/upstream/:kind', async (request) => {
    const kind = (request.params as { kind: string }).kind
    if (kind === 'not_found') throw GatewayError.notFound('GET /listings/9 → HTTP 404')
    if (kind === 'upstream_auth') throw GatewayError.classified('POST /accessTokens → HTTP 401: invalid client', { status_code: 401, error_type: 'upstream_auth', retryable: false })
    if (kind === 'timeout') throw GatewayError.classified('GET /listings/9 timed out', { status_code: null, error_type: 'timeout', retryable: true, retry_after_ms: 2500 })
    throw GatewayError.classified('GET /listings/9 → HTTP 503', { status_code: 503, error_type: 'upstream_error', retryable: true })
  })
  app.get('/teapot', async () => { throw app.httpErrors.conflict('already running') })
  await app.ready()
  return { app, logs }
}

test('validation failures are 400 naming the field and the rule', async (t) => {
  const { app } = await bare()
  t.teardown(() => app.close())

  const cases: Array<[unknown, RegExp]> = [
    [{ ids: [] }, /body\/ids must NOT have fewer than 1 items/],
    [{ ids: [1, 0] }, /body\/ids\/1 must be >= 1/],
    [{ ids: ['x'] }, /body\/ids\/0 must be integer/],
    [{ ids: [1], extra: true }, /body\/extra is not an allowed field/],
    [{}, /body\/ids is required/]
  ]
  for (const [payload, re] of cases) {
    const res = await app.inject({ method: 'POST', url: '/items', payload: payload as object })
    t.equal(res.statusCode, 400)
    const body = res.json()
    t.match(body, { statusCode: 400, error: 'Bad Request', error_type: 'validation_error' })
    t.match(body.message, re)
    t.type(body.request_id, 'string')
  }
})

test('malformed JSON is a 400 with the error schema, never a 500', async (t) => {
  const { app } = await bare()
  t.teardown(() => app.close())
  const res = await app.inject({ method: 'POST', url: '/items', headers: { 'content-type': 'application/json' }, payload: '{"ids": [1,' })
  t.equal(res.statusCode, 400)
  t.same(Object.keys(res.json()).sort(), ['error', 'error_type', 'message', 'request_id', 'statusCode'])
  t.match(res.json(), { statusCode: 400, error: 'Bad Request' })
})

test('an unexpected error is a 500 with exactly the documented body: its class name, no stack, no message, no secret', async (t) => {
  const { app, logs } = await bare()
  t.teardown(() => app.close())
  const res = await app.inject({ method: 'GET', url: '/boom', headers: { 'x-request-id': 'trace-123' } })
  t.equal(res.statusCode, 500)
  t.same(res.json(), {
    statusCode: 500,
    error: 'Internal Server Error',
    message: INTERNAL_ERROR_MESSAGE,
    error_type: 'LeakyError',
    request_id: 'trace-123'
  })
  t.notMatch(res.body, /hunter2|srv\/app|Bearer/)
  t.equal(res.headers['x-request-id'], 'trace-123')

  const entry = logs.entries().find((e) => e.msg === 'request failed')
  t.ok(entry, 'onError logged the failure')
  t.match(entry, { method: 'GET', path: '/boom', route: '/boom', error_class: 'LeakyError', status: 500, request_id: 'trace-123' })
  t.notMatch(logs.text, /abc\.def/, 'bearer token scrubbed from the logged message')
})

test('typed upstream errors map to their documented status, with Retry-After when retryable', async (t) => {
  const { app } = await bare()
  t.teardown(() => app.close())
  const nf = await app.inject({ url: '/upstream/not_found' })
  t.equal(nf.statusCode, 404)
  t.match(nf.json(), { error_type: 'not_found' })
  t.equal(nf.headers['retry-after'], undefined)

  const to = await app.inject({ url: '/upstream/timeout' })
  t.equal(to.statusCode, 504)
  t.equal(to.headers['retry-after'], '3')
  t.match(to.json(), { statusCode: 504, error: 'Gateway Timeout', error_type: 'timeout' })

  const up = await app.inject({ url: '/upstream/other' })
  t.equal(up.statusCode, 502)
  t.equal(up.headers['retry-after'], '1')
  t.match(up.json(), { error_type: 'upstream_error' })

  const creds = await app.inject({ url: '/upstream/upstream_auth' })
  t.equal(creds.statusCode, 502, "rejected gateway credentials are the gateway's fault, never the caller's 401")
  t.equal(creds.headers['retry-after'], undefined, 'not retryable')
  t.match(creds.json(), { statusCode: 502, error: 'Bad Gateway', error_type: 'upstream_auth' })
})

test('http errors thrown by handlers keep their status; unknown routes are 404 with the schema', async (t) => {
  const { app } = await bare()
  t.teardown(() => app.close())
  const c = await app.inject({ url: '/teapot' })
  t.equal(c.statusCode, 409)
  t.match(c.json(), { statusCode: 409, error: 'Conflict', message: 'already running', error_type: 'conflict' })

  const nf = await app.inject({ url: '/nope?x=1' })
  t.equal(nf.statusCode, 404)
  t.match(nf.json(), { statusCode: 404, error: 'Not Found', message: 'Route GET /nope not found', error_type: 'not_found' })
})
