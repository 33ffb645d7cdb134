import { test } from 'tap'
import { createMemoryIdempotencyStore, fingerprint, withIdempotency, type IdempotentRequest } from '../../services/idempotency.js'

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

/** A run that counts its calls and answers `{ n }`, optionally waiting for `gate` first. */
function counter (gate?: Promise<void>) {
  let calls = 0
  const run = async () => {
    calls++
    const n = calls
    await gate
    return { body: { n }, complete: true }
  }
  return { run, calls: () => calls }
}

const request = (over: Partial<IdempotentRequest> = {}): IdempotentRequest => ({
  key: 'k1', caller: 'api-key-a', method: 'PATCH', path: '/api/listings/batch', body: { updates: [{ listing_id: 1, price: 2 }] }, ttlMs: 1000, ...over
})

test('withIdempotency: without a key every request runs', async (t) => {
  const store = createMemoryIdempotencyStore()
  t.teardown(() => store.close())
  const c = counter()
  t.same(await withIdempotency(store, request({ key: undefined }), c.run), { replayed: false, body: { n: 1 } })
  t.same(await withIdempotency(store, request({ key: undefined }), c.run), { replayed: false, body: { n: 2 } })
})

test('withIdempotency: the same key and body replay the stored result without running', async (t) => {
  const store = createMemoryIdempotencyStore()
  t.teardown(() => store.close())
  const c = counter()
  t.same(await withIdempotency(store, request(), c.run), { replayed: false, body: { n: 1 } })
  const reordered = request({ body: { updates: [{ price: 2, listing_id: 1 }] } })
  t.same(await withIdempotency(store, reordered, c.run), { replayed: true, body: { n: 1 } }, 'key order does not matter')
  t.equal(c.calls(), 1)
})

test('withIdempotency: another body is 422, a request still running is 409', async (t) => {
  const store = createMemoryIdempotencyStore()
  t.teardown(() => store.close())
  let open = () => {}
  const c = counter(new Promise<void>((resolve) => { open = resolve }))
  const first = withIdempotency(store, request(), c.run)
  await t.rejects(withIdempotency(store, request(), c.run), { statusCode: 409, message: /still being processed/ })
  open()
  t.same(await first, { replayed: false, body: { n: 1 } })
  await t.rejects(withIdempotency(store, request({ body: { updates: [] } }), c.run), { statusCode: 422, message: /different request body/ })
  // another method with the same path and key
  await t.rejects(withIdempotency(store, request({ method: 'PUT' }), c.run), { statusCode: 422, message: /different request body/ })
  t.equal(c.calls(), 1)
})

test('withIdempotency: a run that throws releases the key, so the request can be sent again', async (t) => {
  const store = createMemoryIdempotencyStore()
  t.teardown(() => store.close())
  await t.rejects(withIdempotency(store, request(), async () => { throw new Error('upstream down') }), /upstream down/)
  t.same(await withIdempotency(store, request(), async () => ({ body: 'ok', complete: true })), { replayed: false, body: 'ok' })
})

test('withIdempotency: keys are scoped to the caller and to the route', async (t) => {
  const store = createMemoryIdempotencyStore()
  t.teardown(() => store.close())
  const c = counter()
  await withIdempotency(store, request({ caller: 'api-key-a' }), c.run)
  t.same(await withIdempotency(store, request({ caller: 'api-key-b' }), c.run), { replayed: false, body: { n: 2 } }, 'another caller never sees the result')
  t.same(await withIdempotency(store, request({ caller: undefined }), c.run), { replayed: false, body: { n: 3 } }, 'nor does an open API caller')
  t.same(await withIdempotency(store, request({ caller: undefined }), c.run), { replayed: true, body: { n: 3 } }, 'open callers share one scope')
  t.same(await withIdempotency(store, request({ path: '/api/other' }), c.run), { replayed: false, body: { n: 4 } }, 'another route has its own keys')
})

test('withIdempotency: results expire after ttlMs', async (t) => {
  let now = 0
  const store = createMemoryIdempotencyStore({ now: () => now })
  t.teardown(() => store.close())
  const c = counter()
  await withIdempotency(store, request({ ttlMs: 100 }), c.run)
  now = 99
  t.equal((await withIdempotency(store, request({ ttlMs: 100 }), c.run)).replayed, true)
  now = 200
  t.same(await withIdempotency(store, request({ ttlMs: 100 }), c.run), { replayed: false, body: { n: 2 } })
})

test('checkpoints: a run cut short is resumed by the next claim of the same body, never replayed; a failed resume keeps it', async (t) => {
  const store = createMemoryIdempotencyStore()
  t.teardown(() => store.close())
  t.same(await store.claim('k', 'f', 1000), { state: 'claimed' })
  await store.checkpoint('k', 'f', { status: 200, body: { done: [0] } }, 1000)
  t.same(await store.claim('k', 'f2', 1000), { state: 'mismatch' }, 'another body: 422')
  t.same(await store.claim('k', 'f', 1000), { state: 'claimed', checkpoint: { status: 200, body: { done: [0] } } }, 'resumed from what it finished')
  t.same(await store.claim('k', 'f', 1000), { state: 'in_progress' }, 'while the resumed run goes on: 409')
  await store.release('k')
  t.same(await store.claim('k', 'f', 1000), { state: 'claimed', checkpoint: { status: 200, body: { done: [0] } } }, 'a resumed run that failed leaves the checkpoint')
  await store.complete('k', 'f', { status: 200, body: { done: [0, 1] } }, 1000)
  t.same(await store.claim('k', 'f', 1000), { state: 'replay', response: { status: 200, body: { done: [0, 1] } } }, 'then the complete result is replayed')

  // through withIdempotency: the run is told what the earlier one finished
  const seen: unknown[] = []
  const run = async (resumeFrom: { done: number[] } | undefined) => {
    seen.push(resumeFrom)
    const done = [...(resumeFrom?.done ?? []), seen.length]
    return { body: { done }, complete: done.length === 3 }
  }
  t.same(await withIdempotency(store, request(), run), { replayed: false, body: { done: [1] } }, 'cut short: answered, kept as a checkpoint')
  t.same(await withIdempotency(store, request(), run), { replayed: false, body: { done: [1, 2] } }, 'run again from it')
  t.same(await withIdempotency(store, request(), run), { replayed: false, body: { done: [1, 2, 3] } }, 'complete')
  t.same(await withIdempotency(store, request(), run), { replayed: true, body: { done: [1, 2, 3] } }, 'replayed from now on')
  t.same(seen, [undefined, { done: [1] }, { done: [1, 2] }])
})

test('bounds: at most maxEntries keys and maxBytes, the oldest results forgotten first (counted), running claims never', async (t) => {
  let evicted = 0
  const store = createMemoryIdempotencyStore({ maxEntries: 3, onEvict: () => { evicted++ } })
  t.teardown(() => store.close())
  const result = (n: number) => ({ status: 200, body: { n } })
  t.same(await store.claim('running', 'f', 1000), { state: 'claimed' })
  for (const key of ['a', 'b', 'c']) {
    await store.claim(key, 'f', 1000)
    await store.complete(key, 'f', result(1), 1000)
  }
  t.same(store.stats().entries, 3)
  t.equal(evicted, 1, 'one result forgotten for the fourth key')
  t.same(await store.claim('running', 'f', 1000), { state: 'in_progress' }, 'the running claim, the oldest key, is kept')
  t.equal((await store.claim('a', 'f', 1000)).state, 'claimed', 'the oldest result was forgotten: its key runs again')
  t.equal((await store.claim('c', 'f', 1000)).state, 'replay', 'the newest is kept')

  const big = { status: 200, body: { text: 'x'.repeat(10_000) } }
  const sized = createMemoryIdempotencyStore({ maxBytes: 50_000, onEvict: () => { evicted++ } })
  t.teardown(() => sized.close())
  evicted = 0
  for (let i = 0; i < 5; i++) {
    await sized.claim(`k${i}`, 'f', 1000)
    await sized.complete(`k${i}`, 'f', big, 1000)
  }
  // each result holds about 20 KB (2 bytes a character): two fit in 50 KB
  t.equal(sized.stats().entries, 2)
  t.ok(sized.stats().bytes <= 50_000, `within the bound (${sized.stats().bytes} bytes)`)
  t.equal(evicted, 3)
  t.equal((await sized.claim('k4', 'f', 1000)).state, 'replay')
  t.equal((await sized.claim('k0', 'f', 1000)).state, 'claimed')
})
