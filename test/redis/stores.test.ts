import t from 'tap'
import pino from 'pino'
import { createReadThrough } from '../../services/hostaway/reads/read-through.js'
import { createRedisConnection, RedisUnavailableError } from '../../services/redis/connection.js'
import { createRedisIdempotencyStore } from '../../services/redis/idempotency.js'
import { accountKeys } from '../../services/redis/keys.js'
import { createRedisStore } from '../../services/redis/store.js'
import { until } from '../reliability/helper.js'
import { redisSkip, startRedis } from './server.js'
import { NO_TELEMETRY } from '../../services/telemetry.js'

const log = pino({ level: 'silent' })
const keys = accountKeys('store-test')
type Scope = { teardown: (fn: () => unknown) => void }

async function connect (scope: Scope, url: string, timeoutMs = 2000) {
  const connection = createRedisConnection({ telemetry: NO_TELEMETRY, url, timeoutMs, log })
  await connection.start()
  scope.teardown(() => connection.close())
  return connection
}

/**
 * Two instances' stores on one Redis, each with its own connection, and `heard`: resolves once
 * each connection has read what Redis pushed to it before (a PING's answer comes after it), as an
 * instance's event loop does before a request sent after the writer was answered reaches it.
 */
async function twoStores (scope: Scope, url: string, fenceMs = 60_000) {
  const connections = await Promise.all([connect(scope, url), connect(scope, url)])
  const [a, b] = connections.map((connection) => createRedisStore({ connection, keys, fenceMs, log }))
  const heard = async () => { await Promise.all(connections.map((c) => c.command(['PING']))) }
  return { a, b, heard }
}

t.test('the read cache: values and 404s with their TTL, one object per unchanged entry, fences against fills older than a write', { skip: redisSkip }, async (t) => {
  const redis = await startRedis(t)
  const { a, b, heard } = await twoStores(t, redis.url)
  const inspect = await connect(t, redis.url)
  const listing = { id: 1, name: 'Villa', price: 100 }
  await a.set('listing:1', listing, 5000)
  const ttl = await inspect.command(['PTTL', keys.cache('listing:1')]) as number
  t.ok(ttl > 0 && ttl <= 5000, `kept with its TTL (${ttl} ms)`)
  const seen = await b.get('listing:1')
  t.same(seen, listing, 'another instance reads it')
  t.equal(await b.get('listing:1'), seen, 'the same object while nothing was invalidated (its JSON is written once)')
  await a.replace?.('listing:1', { ...listing, price: 200 }, 5000)
  await heard()
  t.same(await b.get('listing:1'), { ...listing, price: 200 }, 'after an invalidation anywhere, the entry is read afresh')
  await a.set('listing:404', { '@notFound': 'GET /listings/404 → HTTP 404: Listing not found' }, 5000)
  t.same(await b.get('listing:404'), { '@notFound': 'GET /listings/404 → HTTP 404: Listing not found' }, 'a remembered 404 too')

  await b.delete('listing:1')
  await heard()
  t.equal(await a.get('listing:1'), undefined, 'an invalidation is seen by every instance')
  await a.set('listing:1', listing, 5000)
  t.equal(await b.get('listing:1'), undefined, 'a fill right after it (a read that may predate the write) is refused')
  t.equal(await inspect.command(['GET', keys.cacheGeneration]), '2', 'each invalidation counted once')
  await b.replace?.('listing:1', { ...listing, price: 300 }, 5000)
  await heard()
  t.same(await a.get('listing:1'), { ...listing, price: 300 }, 'a value known to be current (a webhook\'s) is put in place')
  await a.clear()
  t.same(await b.get('listing:1'), { ...listing, price: 300 }, 'clear forgets only the instance\'s memo')
})

t.test('the read-through over it: a webhook replacement and an invalidation on one instance reach the other', { skip: redisSkip }, async (t) => {
  const redis = await startRedis(t)
  const { a: storeA, b: storeB, heard } = await twoStores(t, redis.url, 1000)
  const a = createReadThrough({ telemetry: NO_TELEMETRY, store: storeA, ttlMs: 5000, negativeTtlMs: 5000, log })
  const b = createReadThrough({ telemetry: NO_TELEMETRY, store: storeB, ttlMs: 5000, negativeTtlMs: 5000, log })
  let fetches = 0
  const fetch = async () => ({ id: 5, guestName: `read ${++fetches}` })
  t.same(await a.read('reservation:5', 'GET /reservations/5', fetch), { id: 5, guestName: 'read 1' })
  t.same(await b.read('reservation:5', 'GET /reservations/5', fetch), { id: 5, guestName: 'read 1' }, 'from the shared cache')
  t.equal(fetches, 1)
  await b.replace('reservation:5', { id: 5, guestName: 'from a webhook' })
  await heard()
  t.same(await a.read('reservation:5', 'GET /reservations/5', fetch), { id: 5, guestName: 'from a webhook' })
  await a.invalidate('reservation:5')
  await heard()
  t.equal(await b.peek('reservation:5'), undefined)
  t.same(await b.read('reservation:5', 'GET /reservations/5', fetch), { id: 5, guestName: 'read 2' }, 'read upstream again')
  await until(async () => {
    await b.read('reservation:5', 'GET /reservations/5', fetch)
    return (await a.peek('reservation:5')) !== undefined
  }, 10_000, 'the fence (200 ms) to pass and a fill to be kept')
})

t.test('Redis unavailable: reads miss, fills are skipped, invalidations are held and sent when it answers again', { skip: redisSkip }, async (t) => {
  const redis = await startRedis(t)
  const connection = await connect(t, redis.url, 1000)
  const store = createRedisStore({ connection, keys, fenceMs: 60_000, log })
  const inspect = await connect(t, redis.url)
  await store.set('listing:9', { id: 9 }, 60_000)
  redis.pause()
  t.equal(await store.get('listing:9'), undefined, 'a frozen Redis is a miss (after the timeout)')
  await store.delete('listing:9')
  await store.set('listing:10', { id: 10 }, 60_000)
  redis.resume()
  await until(async () => (await inspect.command(['EXISTS', keys.cache('listing:9')])) === 0, 10_000, 'the held invalidation sent')
  t.equal(await inspect.command(['EXISTS', keys.fence('listing:9')]), 1, 'and fenced')
  t.equal(await inspect.command(['EXISTS', keys.cache('listing:10')]), 0, 'the fill was skipped')
})

t.test('Idempotency-Key results: one claim across instances, replay, mismatch, release by its owner only, lease, and Redis unavailable', { skip: redisSkip }, async (t) => {
  const redis = await startRedis(t)
  const [ca, cb] = await Promise.all([connect(t, redis.url, 1000), connect(t, redis.url)])
  const a = createRedisIdempotencyStore({ connection: ca, keys, leaseMs: 60_000, log })
  const b = createRedisIdempotencyStore({ connection: cb, keys, leaseMs: 60_000, log })
  t.same(await a.claim('k1', 'f1', 86_400_000), { state: 'claimed' })
  t.same(await b.claim('k1', 'f1', 86_400_000), { state: 'in_progress' }, 'running on another instance')
  t.same(await b.claim('k1', 'f2', 86_400_000), { state: 'mismatch' })
  await b.release('k1')
  t.same(await b.claim('k1', 'f1', 86_400_000), { state: 'in_progress' }, 'another instance cannot release the claim')
  const response = { status: 200, body: { success_count: 1 } }
  await a.complete('k1', 'f1', response, 86_400_000)
  t.same(await b.claim('k1', 'f1', 86_400_000), { state: 'replay', response }, 'replayed by another instance')
  const ttl = await cb.command(['PTTL', keys.idempotency('k1')]) as number
  t.ok(ttl > 86_000_000, 'kept for the requested TTL')

  t.same(await a.claim('k2', 'f', 86_400_000), { state: 'claimed' })
  await a.release('k2')
  t.same(await b.claim('k2', 'f', 86_400_000), { state: 'claimed' }, 'released by its owner: free again')

  const leased = createRedisIdempotencyStore({ connection: cb, keys, leaseMs: 100, log })
  t.same(await leased.claim('k3', 'f', 86_400_000), { state: 'claimed' })
  await until(async () => (await a.claim('k3', 'f', 86_400_000)).state === 'claimed', 10_000, 'the lease of a claim left behind to expire')

  redis.pause()
  const err = await a.claim('k4', 'f', 86_400_000).catch((e: unknown) => e)
  t.ok(err instanceof RedisUnavailableError, 'a claim needs Redis: the request is refused (503)')
  await t.resolves(a.complete('k2', 'f', response, 86_400_000), 'a result that cannot be stored is logged, not thrown')
  redis.resume()
})
