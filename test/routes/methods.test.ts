import { test } from 'tap'
import { build } from '../helper.js'
import { isError } from '../fixtures/error-body.js'

test('a wrong method on a known path is 405 method_not_allowed with Allow; an unknown path stays 404', async (t) => {
  const { app } = await build(t, { API_KEYS: 'methods-key' })
  const cases: Array<[string, string, string]> = [
    ['PATCH', '/api/listings/1', 'GET, HEAD'],
    ['DELETE', '/api/bookings/7/messages', 'GET, HEAD'],
    ['GET', '/api/batch/listings', 'POST'],
    ['PUT', '/api/listings/batch', 'GET, HEAD, PATCH'],
    ['POST', '/health', 'GET, HEAD'],
    ['DELETE', '/openapi.json', 'GET, HEAD'],
    ['GET', '/webhooks/hostaway', 'POST'],
    ['PUT', '/mcp', 'OPTIONS, POST'],
    ['POST', '/docs/static/index.html', 'GET, HEAD']
  ]
  for (const [method, url, allow] of cases) {
    const res = await app.inject({ method: method as 'GET', url: `${url}?x=1` })
    const body = isError(t, res, 405, new RegExp(`^${method} is not allowed on ${url.replace(/[.]/g, '\\.')}: it takes ${allow}$`))
    t.equal(body.error_type, 'method_not_allowed', `${method} ${url}`)
    t.equal(res.headers.allow, allow, `${method} ${url}: Allow ${allow}`)
  }
  for (const [method, url] of [['GET', '/api/nope'], ['POST', '/api/listings/1/nope'], ['GET', '/mcpx']]) {
    const res = await app.inject({ method: method as 'GET', url })
    isError(t, res, 404, /^Route .* not found$/)
    t.equal(res.headers.allow, undefined)
  }
  t.equal((await app.inject({ method: 'GET', url: '/api/listings/1' })).statusCode, 401, 'a right method still meets the key check first')
})
