import t from 'tap'
import fc from 'fast-check'
import { createMemoryStore } from '../../../../services/hostaway/reads/cache.js'

t.test('entries expire after their TTL', async (t) => {
  let now = 0
  const store = createMemoryStore<string>({ now: () => now })
  await store.set('a', 'A', 100)
  t.equal(await store.get('a'), 'A')
  now = 99
  t.equal(await store.get('a'), 'A')
  now = 100
  t.equal(await store.get('a'), undefined)
  t.equal(store.size, 0, 'an expired entry is dropped when read')
})

t.test('a TTL of 0 stores nothing and removes the old value', async (t) => {
  const store = createMemoryStore<number>()
  await store.set('k', 1, 1000)
  await store.set('k', 2, 0)
  t.equal(await store.get('k'), undefined)
})

t.test('the least recently used entry is evicted first', async (t) => {
  const store = createMemoryStore<number>({ maxEntries: 3 })
  await store.set('a', 1, 10000)
  await store.set('b', 2, 10000)
  await store.set('c', 3, 10000)
  t.equal(await store.get('a'), 1, 'touch a: b is now the coldest')
  await store.set('d', 4, 10000)
  t.equal(store.size, 3)
  t.equal(await store.get('b'), undefined)
  t.equal(await store.get('a'), 1)
  t.equal(await store.get('c'), 3)
  t.equal(await store.get('d'), 4)
})

t.test('delete and clear', async (t) => {
  const store = createMemoryStore<string>()
  await store.set('x', 'X', 1000)
  await store.set('y', 'Y', 1000)
  await store.delete('x')
  t.equal(await store.get('x'), undefined)
  t.equal(await store.get('y'), 'Y')
  await store.clear()
  t.equal(store.size, 0)
})

t.test('property: the same answers, size and evictions as a plain LRU model (a Map re-inserted on use)', async (t) => {
  const key = fc.constantFrom('a', 'b', 'c', 'd', 'e')
  const op = fc.oneof(
    fc.record({ op: fc.constant('get' as const), key }),
    fc.record({ op: fc.constant('set' as const), key, value: fc.nat(99), ttl: fc.constantFrom(0, 5, 50) }),
    fc.record({ op: fc.constant('delete' as const), key }),
    fc.record({ op: fc.constant('tick' as const), ms: fc.nat(20) }),
    fc.record({ op: fc.constant('clear' as const) })
  )
  await fc.assert(fc.asyncProperty(fc.array(op, { maxLength: 60 }), fc.integer({ min: 1, max: 4 }), async (ops, maxEntries) => {
    let now = 0
    const store = createMemoryStore<number>({ maxEntries, now: () => now })
    const model = new Map<string, { value: number, expiresAt: number }>()
    for (const o of ops) {
      if (o.op === 'tick') now += o.ms
      else if (o.op === 'clear') {
        model.clear()
        await store.clear()
      } else if (o.op === 'delete') {
        model.delete(o.key)
        await store.delete(o.key)
      } else if (o.op === 'set') {
        model.delete(o.key)
        if (o.ttl > 0) model.set(o.key, { value: o.value, expiresAt: now + o.ttl })
        while (model.size > maxEntries) model.delete(model.keys().next().value as string)
        await store.set(o.key, o.value, o.ttl)
      } else {
        const entry = model.get(o.key)
        let expected: number | undefined
        if (entry !== undefined) {
          model.delete(o.key)
          if (entry.expiresAt > now) {
            model.set(o.key, entry)
            expected = entry.value
          }
        }
        if (await store.get(o.key) !== expected) return false
      }
      if (store.size !== model.size) return false
    }
    return true
  }), { numRuns: 300 })
  t.pass('matches the model')
})
