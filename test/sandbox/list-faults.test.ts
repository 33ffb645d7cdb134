import { test } from 'tap'
import type { Obj } from './fixtures/helper.js'
import { admin, api, getToken, start } from './fixtures/helper.js'

test('faults of list routes and lists that leave ids out', async (t) => {
  const sb = await start(t, { rateLimitIp: 100_000, rateLimitAccount: 100_000 })
  const c = api(sb, await getToken(sb))
  t.beforeEach(async () => { await sb.reset() })

  t.test('fail_routes: a route always fails that way; other routes and the by-id ones do not', async (t) => {
    await sb.setFaults({ fail_routes: { 503: ['GET /v1/listings'], 500: ['GET /v1/reservations'] } })
    t.equal((await c.get('/listings?limit=5')).status, 503)
    t.equal((await c.get('/listings?limit=5')).status, 503, 'every time')
    t.equal((await c.get('/reservations?limit=5')).status, 500)
    t.equal((await c.get('/listings/1')).status, 200, 'the by-id route is another route')
    t.equal((await c.get('/conversations?limit=1')).status, 200)
    t.equal((await sb.stats()).faults_injected[503], 2)
  })

  t.test('fail_routes_once: the first request of the route fails, the next one succeeds', async (t) => {
    await sb.setFaults({ fail_routes_once: { 429: ['GET /v1/reservations'], hang: ['GET /v1/reservations/:id'] } })
    t.equal((await c.get('/reservations?limit=5')).status, 429)
    t.equal((await c.get('/reservations?limit=5')).status, 200)
    const hung = await c.get('/reservations/1', { signal: AbortSignal.timeout(200) }).catch((err: Error) => err)
    t.type(hung, Error, 'the first by-id request hangs')
    t.equal((await c.get('/reservations/1')).status, 200)
  })

  t.test('omit_from_lists: lists leave the ids out (pages stay full), by id they answer', async (t) => {
    await sb.setFaults({ omit_from_lists: [2, 5] })
    const listings = await c.get<{ result: Obj[], count: number }>('/listings?limit=10')
    t.same(listings.body.result.map((l) => l.id), [1, 3, 4, 6, 7, 8, 9, 10, 11, 12])
    t.equal(listings.body.count, 38, 'the count of what the list holds')
    const reservations = await c.get<{ result: Obj[] }>('/reservations?limit=300')
    t.notOk(reservations.body.result.some((r) => r.id === 2 || r.id === 5))
    t.equal((await c.get('/listings/2')).status, 200)
    t.equal((await c.get('/reservations/5')).status, 200)
  })

  t.test('the fault config validates routes', async (t) => {
    const bad = await admin(sb, 'POST', '/faults', { fail_routes: { 503: ['listings'] } })
    t.equal(bad.status, 400)
    t.match(bad.body, { message: /fail_routes\/503\/0/ })
  })
})
