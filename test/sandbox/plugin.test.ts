import Fastify from 'fastify'
import { test } from 'tap'
import { sandboxApp } from '../../sandbox/index.js'
import { BASE_DATE, api, getToken, start } from './fixtures/helper.js'

test('the plugin mounts under a prefix and serves the same data as startSandbox', async (t) => {
  const app = Fastify()
  await app.register(sandboxApp, { prefix: '/hostaway', seed: 1, baseDate: BASE_DATE })
  t.teardown(() => app.close())
  const form = 'grant_type=client_credentials&client_id=10000&client_secret=sandbox-secret&scope=general'
  const tok = await app.inject({ method: 'POST', url: '/hostaway/v1/accessTokens', payload: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } })
  t.equal(tok.statusCode, 200)
  const authorization = `Bearer ${tok.json<{ access_token: string }>().access_token}`
  t.match((await app.inject({ url: '/hostaway/v1/listings/4', headers: { authorization } })).json(), { status: 'success', result: { id: 4 } })
  t.equal((await app.inject({ url: '/hostaway/v1/listings/4' })).statusCode, 403)
  t.equal((await app.inject({ url: '/hostaway/v1/nowhere', headers: { authorization } })).statusCode, 404)
  const stats = (await app.inject({ url: '/hostaway/__sandbox/stats' })).json<{ requests: { by_route: Record<string, number> } }>()
  t.same(stats.requests.by_route, { 'POST /v1/accessTokens': 1, 'GET /v1/listings/:id': 2, 'GET (not found)': 1 })

  const sb = await start(t, { seed: 1 })
  const listing = await api(sb, await getToken(sb)).get('/listings/4')
  t.same(listing.body, (await app.inject({ url: '/hostaway/v1/listings/4', headers: { authorization } })).json(), 'same seed, same data')
})

test('an unknown plugin option is refused, Fastify register options are not sandbox options', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.register(sandboxApp, { prefix: '/x', logLevel: 'warn', listingcount: 150 } as never)
  await t.rejects(async () => { await app.ready() }, /sandbox option listingcount Unexpected property/)
})
