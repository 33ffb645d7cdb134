import t from 'tap'
import { SECRET_FIELDS } from '../../schemas/secrets.js'
import { serve } from '../reliability/helper.js'
import { redisSkip, startRedis } from './server.js'

// A stored batch-update result is filtered by the scopes of the key that reads it, when it reads it
// (docs/contract.md, "Secret fields"): the same API key, its scopes changed by a restart, replays
// the result with or without the secret fields as it may see them now. Real HTTP, a real
// redis-server holding the result across the restart.

const LISTING_SECRETS = Object.keys(SECRET_FIELDS.listing)
const json = { 'content-type': 'application/json' }

async function patch (url: string, key: string) {
  const res = await fetch(`${url}/api/listings/batch`, {
    method: 'PATCH',
    headers: { ...json, 'x-api-key': 'k', 'idempotency-key': key },
    body: JSON.stringify({ updates: [{ listing_id: 4, price: 144 }] })
  })
  const body = await res.json() as { successful: Array<{ data: Record<string, unknown> }> }
  return { status: res.status, replayed: res.headers.get('idempotent-replayed'), data: body.successful[0]?.data, text: JSON.stringify(body) }
}

t.test('a replay after the key lost its secrets scope (restart): no door code, no Wi-Fi password; and a replay with it regains them', { skip: redisSkip }, async (t) => {
  const redis = await startRedis(t)
  const env = { REDIS_URL: redis.url, HOSTAWAY_RATE_WINDOW_MARGIN_MS: '250' }

  const before = await serve(t, { ...env, API_KEYS: 'k:write+secrets' })
  const first = await patch(before.url, 'scoped-1')
  t.equal(first.status, 200)
  t.same(LISTING_SECRETS.filter((f) => f in first.data), LISTING_SECRETS, 'write+secrets: the updated listing with its secret fields')
  const secretValues = LISTING_SECRETS.map((f) => String(first.data[f]))
  await before.app.close()

  // the same key, restarted without the secrets scope: the stored result, replayed by Redis
  const after = await serve(t, { ...env, API_KEYS: 'k:write' })
  const replay = await patch(after.url, 'scoped-1')
  t.equal(replay.status, 200)
  t.equal(replay.replayed, 'true', 'replayed, nothing sent')
  t.equal(replay.data.price, 144)
  t.same(LISTING_SECRETS.filter((f) => f in replay.data), [], 'the secret fields are left out for the key as it is now')
  for (const value of secretValues) t.notOk(replay.text.includes(value), 'no secret value anywhere in the body')

  // and the other way round: written by a key without the scope, replayed by it once it has the scope
  const plain = await patch(after.url, 'scoped-2')
  t.same(LISTING_SECRETS.filter((f) => f in plain.data), [])
  await after.app.close()
  const regained = await serve(t, { ...env, API_KEYS: 'k:write+secrets' })
  const full = await patch(regained.url, 'scoped-2')
  t.equal(full.replayed, 'true')
  t.same(LISTING_SECRETS.filter((f) => f in full.data), LISTING_SECRETS, 'the stored result is whole: filtered only when read')
})
