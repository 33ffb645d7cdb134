import { test } from 'tap'
import { createMemoryIdempotencyStore, fingerprint } from '../../services/idempotency.js'

test('claim, in progress, replay, mismatch, release and expiry', async (t) => {
  let now = 1000
  const store = createMemoryIdempotencyStore({ now: () => now })
  t.teardown(() => store.close())

  t.same(await store.claim('k', 'f1', 100), { state: 'claimed' })
  t.same(await store.claim('k', 'f1', 100), { state: 'in_progress' })
  t.same(await store.claim('k', 'f2', 100), { state: 'mismatch' })

  await store.complete('k', 'f1', { status: 200, body: { ok: true } }, 100)
  t.same(await store.claim('k', 'f1', 100), { state: 'replay', response: { status: 200, body: { ok: true } } })
  t.same(await store.claim('k', 'f2', 100), { state: 'mismatch' })

  await store.release('k')
  t.equal((await store.claim('k', 'f1', 100)).state, 'replay', 'release never drops a completed result')

  t.same(await store.claim('r', 'f', 100), { state: 'claimed' })
  await store.release('r')
  t.same(await store.claim('r', 'f', 100), { state: 'claimed' }, 'a released claim can be taken again')

  now += 101
  t.same(await store.claim('k', 'f2', 100), { state: 'claimed' }, 'expired keys are forgotten')
})

test('fingerprint ignores key order but not values, method or path', async (t) => {
  const a = fingerprint('PATCH', '/x', { updates: [{ listing_id: 1, price: 2 }] })
  t.equal(a, fingerprint('PATCH', '/x', { updates: [{ price: 2, listing_id: 1 }] }))
  t.not(a, fingerprint('PATCH', '/x', { updates: [{ listing_id: 1, price: 3 }] }))
  t.not(a, fingerprint('PATCH', '/y', { updates: [{ listing_id: 1, price: 2 }] }))
  t.not(a, fingerprint('PUT', '/x', { updates: [{ listing_id: 1, price: 2 }] }))
  t.not(fingerprint('P', '/', [1, 2]), fingerprint('P', '/', [2, 1]), 'array order matters')
})
