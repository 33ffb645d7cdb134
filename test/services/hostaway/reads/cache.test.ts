import t from 'tap'
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
