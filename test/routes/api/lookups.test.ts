import { test } from 'tap'
import { build } from '../../helper.js'
import { upstream } from '../../services/hostaway/reads/lookup-fixtures.js'

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

test('NEGATIVE_CACHE_TTL_MS: a 404 is remembered, a write for the id forgets it; 0 remembers nothing', async (t) => {
  const { app, sandbox } = await build(t)
  for (let i = 0; i < 3; i++) t.equal((await app.inject({ url: '/api/listings/999999' })).statusCode, 404)
  t.match(await upstream(sandbox), { listingGets: 1 }, 'one upstream call for three 404s')
  const write = await app.inject({ method: 'PATCH', url: '/api/listings/batch', payload: { updates: [{ listing_id: 999999, price: 1 }] } })
  t.match(write.json().failed, [{ error_type: 'not_found' }])
  t.equal((await app.inject({ url: '/api/listings/999999' })).statusCode, 404)
  t.match(await upstream(sandbox), { listingGets: 2 }, 'after a write the id is asked again')

  const off = await build(t, { NEGATIVE_CACHE_TTL_MS: '0' })
  for (let i = 0; i < 3; i++) t.equal((await off.app.inject({ url: '/api/listings/999999' })).statusCode, 404)
  t.match(await upstream(off.sandbox), { listingGets: 3 })
})

test('BATCH_PLANNER: on reads a page for many ids, off one GET per id; same response', async (t) => {
  const on = await build(t)
  const off = await build(t, { BATCH_PLANNER: 'off' })
  const payload = { ids: [...range(1, 12), 999999] }
  const a = await on.app.inject({ method: 'POST', url: '/api/batch/listings', payload })
  const b = await off.app.inject({ method: 'POST', url: '/api/batch/listings', payload })
  t.equal(a.headers['content-type'], 'application/json; charset=utf-8')
  t.match(await upstream(on.sandbox), { listingPages: 1, listingGets: 1 })
  t.match(await upstream(off.sandbox), { listingPages: 0, listingGets: 13 })
  const strip = (body: { successful: unknown[], failed: Array<{ error: string }> }) => ({ ...body, failed: body.failed.map((f) => ({ ...f, error: null })) })
  t.same(strip(a.json()), strip(b.json()), 'the same items, data, categories and attempts (messages aside)')
})

test('GET /api/listings fills the cache batch lookups read', async (t) => {
  const { app, sandbox } = await build(t)
  const page = await app.inject({ url: '/api/listings?limit=20&offset=0' })
  t.equal(page.json().items.length, 20)
  const batch = await app.inject({ method: 'POST', url: '/api/batch/listings', payload: { ids: range(1, 20) } })
  t.equal(batch.json().success_count, 20)
  t.ok(batch.json().successful.every((r: { attempts: number }) => r.attempts === 0))
  t.match(await upstream(sandbox), { listingPages: 1, listingGets: 0 }, 'only the list call')
})
