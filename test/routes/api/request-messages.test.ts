import { test } from 'tap'
import type { InjectOptions } from 'fastify'
import { build } from '../../helper.js'

// The 400s of the API in plain words: each names the field, and says what to do where Ajv's
// wording would leave the caller to work it out.

test('the request mistakes that Ajv words obscurely are said in plain words, naming the field', async (t) => {
  const { app, sandbox } = await build(t, { BATCH_MAX_ITEMS: '50' })
  const cases: Array<{ name: string, request: InjectOptions, message: string }> = [
    {
      name: 'an update with only its id',
      request: { method: 'PATCH', url: '/api/listings/batch', payload: { updates: [{ listing_id: 1, price: 100 }, { listing_id: 2 }] } },
      message: 'body/updates/1 has nothing to change: give at least one field to change besides its id'
    },
    {
      name: 'a query parameter given twice',
      request: { method: 'GET', url: '/api/listings?limit=5&limit=6' },
      message: 'querystring/limit is given twice: give it once'
    },
    {
      name: 'a text query parameter given three times',
      request: { method: 'GET', url: '/api/listings/1/calendar?start_date=2027-01-01&start_date=2027-01-02&start_date=2027-01-03&end_date=2027-01-05' },
      message: 'querystring/start_date is given 3 times: give it once'
    },
    {
      name: 'more ids than BATCH_MAX_ITEMS',
      request: { method: 'POST', url: '/api/batch/listings', payload: { ids: Array.from({ length: 51 }, (_, i) => i + 1) } },
      message: 'body/ids has more than 50 items, the most one request takes: split the batch into requests of at most 50, or send it as a job (Prefer: respond-async, up to 10000 items)'
    },
    {
      name: 'more updates than BATCH_MAX_ITEMS',
      request: { method: 'PATCH', url: '/api/listings/batch', payload: { updates: Array.from({ length: 51 }, (_, i) => ({ listing_id: i + 1, price: 100 })) } },
      message: 'body/updates has more than 50 items, the most one request takes: split the batch into requests of at most 50, or send it as a job (Prefer: respond-async, up to 10000 items)'
    },
    {
      name: 'a timeout_ms above its cap',
      request: { method: 'POST', url: '/api/batch/bookings', payload: { ids: [1], timeout_ms: 300_001 } },
      message: 'body/timeout_ms must be <= 300000'
    }
  ]
  const before = (await sandbox.stats()).requests.total
  for (const { name, request, message } of cases) {
    const res = await app.inject(request)
    t.equal(res.statusCode, 400, `${name}: 400`)
    t.match(res.json(), { error_type: 'validation_error', message }, name)
    t.equal(res.json().message, message, `${name}: exactly that`)
  }
  t.equal((await sandbox.stats()).requests.total, before, 'nothing was sent upstream')
})

test('a parameter given once, and timeout_ms at its cap, are accepted', async (t) => {
  const { app } = await build(t)
  t.equal((await app.inject({ method: 'GET', url: '/api/listings?limit=5' })).statusCode, 200)
  t.equal((await app.inject({ method: 'POST', url: '/api/batch/listings', payload: { ids: [1], timeout_ms: 300_000 } })).statusCode, 200)
})
