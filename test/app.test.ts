import { test } from 'tap'
import { build } from './helper.js'

test('API keys: /api needs a valid X-API-Key; health, ready and docs stay open', async (t) => {
  const { app } = await build(t, { API_KEYS: 'first-key, second-key' })
  const missing = await app.inject({ method: 'POST', url: '/api/batch/listings', payload: { ids: [1] } })
  t.equal(missing.statusCode, 401)
  t.match(missing.json(), { statusCode: 401, error: 'Unauthorized', error_type: 'unauthorized', message: /X-API-Key/ })
  t.type(missing.json().request_id, 'string')

  const wrong = await app.inject({ method: 'POST', url: '/api/batch/listings', headers: { 'x-api-key': 'first-key-but-longer' }, payload: { ids: [1] } })
  t.equal(wrong.statusCode, 401)

  const right = await app.inject({ method: 'POST', url: '/api/batch/listings', headers: { 'x-api-key': 'second-key' }, payload: { ids: [1] } })
  t.equal(right.statusCode, 200)

  const unknownApi = await app.inject({ url: '/api/nothing-here' })
  t.equal(unknownApi.statusCode, 404, 'an unknown route is 404 either way')

  for (const url of ['/health', '/ready']) {
    const res = await app.inject({ url })
    t.equal(res.statusCode, 200, `${url} is open`)
  }
})

test('scopes: a read-only key reads but may not write (403 in the error schema)', async (t) => {
  const { app } = await build(t, { API_KEYS: 'reader:read, writer:write' })
  const read = await app.inject({ method: 'POST', url: '/api/batch/listings', headers: { 'x-api-key': 'reader' }, payload: { ids: [1] } })
  t.equal(read.statusCode, 200)
  const write = await app.inject({ method: 'PATCH', url: '/api/listings/batch', headers: { 'x-api-key': 'reader' }, payload: { updates: [{ listing_id: 1, price: 100 }] } })
  t.equal(write.statusCode, 403)
  t.match(write.json(), { statusCode: 403, error: 'Forbidden', error_type: 'forbidden', message: /lacks the "write" scope/ })
  const writerReads = await app.inject({ url: '/api/listings/1', headers: { 'x-api-key': 'writer' } })
  t.equal(writerReads.statusCode, 403, 'a write-only key may not read')
  const writes = await app.inject({ method: 'PATCH', url: '/api/listings/batch', headers: { 'x-api-key': 'writer' }, payload: { updates: [{ listing_id: 1, price: 100 }] } })
  t.equal(writes.statusCode, 200)
  t.equal(writes.json().success_count, 1)
})

test('without API_KEYS the API is open and one warning says so', async (t) => {
  const { app, logs } = await build(t)
  const res = await app.inject({ method: 'POST', url: '/api/batch/listings', payload: { ids: [1] } })
  t.equal(res.statusCode, 200)
  const warnings = logs.entries().filter((e) => typeof e.msg === 'string' && /API_KEYS is not set/.test(e.msg))
  t.equal(warnings.length, 1)
  t.equal(warnings[0].level, 40)
})

test('unknown routes are 404 with the error schema', async (t) => {
  const { app } = await build(t)
  const res = await app.inject({ url: '/nope' })
  t.equal(res.statusCode, 404)
  t.same(Object.keys(res.json()).sort(), ['error', 'error_type', 'message', 'request_id', 'statusCode'])
})

test('malformed JSON to an /api route is 400, never 500', async (t) => {
  const { app } = await build(t)
  for (const payload of ['{', '{"ids": [1,]}', 'null', '']) {
    const res = await app.inject({ method: 'POST', url: '/api/batch/listings', headers: { 'content-type': 'application/json' }, payload })
    t.equal(res.statusCode, 400, JSON.stringify(payload))
    t.equal(res.json().statusCode, 400)
  }
})

test('the logs never contain the API key, the client secret or a bearer token', async (t) => {
  const { app, logs, config } = await build(t, { API_KEYS: 'very-secret-api-key' })
  await app.inject({ method: 'POST', url: '/api/batch/listings', headers: { 'x-api-key': 'very-secret-api-key', authorization: 'Bearer abc.def.ghi' }, payload: { ids: [1, 999999] } })
  t.ok(logs.lines.length > 0)
  t.notMatch(logs.text, /very-secret-api-key/)
  t.notMatch(logs.text, new RegExp(config.HOSTAWAY_API_KEY as string))
  t.notMatch(logs.text, /abc\.def\.ghi/)
  t.match(logs.text, /"request_id"/, 'structured with request ids')
})
