import { test } from 'tap'
import Fastify from 'fastify'
import requestId from '../../plugins/app/request-id.js'
import { serverOptions } from '../../app.js'
import { loadConfig } from '../../services/config.js'

async function bare () {
  const config = loadConfig({ LOG_LEVEL: 'silent', HOSTAWAY_ACCOUNT_ID: '1', HOSTAWAY_API_KEY: 'x' })
  const app = Fastify(serverOptions(config, { logger: false }))
  await app.register(requestId)
  app.get('/ok', async (request) => ({ id: request.id }))
  app.get('/boom', async () => { throw new Error('boom') })
  await app.ready()
  return app
}

test('a safe incoming X-Request-Id is honoured and echoed, an unsafe one replaced', async (t) => {
  const app = await bare()
  t.teardown(() => app.close())
  const ok = await app.inject({ url: '/ok', headers: { 'x-request-id': 'abc-123' } })
  t.equal(ok.headers['x-request-id'], 'abc-123')
  t.same(ok.json(), { id: 'abc-123' })
  const bad = await app.inject({ url: '/ok', headers: { 'x-request-id': 'bad id\twith spaces' } })
  t.not(bad.headers['x-request-id'], 'bad id\twith spaces')
  t.match(String(bad.headers['x-request-id']), /^[0-9a-f-]{36}$/)
  t.equal(bad.json().id, bad.headers['x-request-id'])
})

test('the id is echoed on errors and unknown routes too', async (t) => {
  const app = await bare()
  t.teardown(() => app.close())
  for (const url of ['/boom', '/nope']) {
    const res = await app.inject({ url, headers: { 'x-request-id': 'trace-7' } })
    t.ok(res.statusCode >= 400, url)
    t.equal(res.headers['x-request-id'], 'trace-7', url)
  }
})
