import t from 'tap'
import pino from 'pino'
import { sharedToken } from '../../services/hostaway/call/shared-token.js'
import { createRedisConnection } from '../../services/redis/connection.js'
import { accountKeys } from '../../services/redis/keys.js'
import { seamsFromConfig } from '../../services/compose.js'
import { createRedisTokens } from '../../services/redis/token.js'
import { sandbox } from '../helper.js'
import { testClient } from '../services/hostaway/fixtures.js'
import { upstreamCount } from '../fixtures/harness.js'
import { redisSkip, startRedis } from './server.js'
import { NO_TELEMETRY } from '../../services/telemetry.js'

const log = pino({ level: 'silent' })
// one redis-server for the file (none when its tests are skipped)
const redisUrl = redisSkip === false ? (await startRedis(t)).url : ''

async function connect (scope: { teardown: (fn: () => unknown) => void }) {
  const connection = createRedisConnection({ telemetry: NO_TELEMETRY, url: redisUrl, timeoutMs: 2000, log })
  await connection.start()
  scope.teardown(() => connection.close())
  return connection
}

/** Three upstream clients, each with its own Redis connection, as three instances would be. */
async function instances (scope: { teardown: (fn: () => unknown) => void }, sb: Awaited<ReturnType<typeof sandbox>>) {
  return await Promise.all([1, 2, 3].map(async () => {
    const connection = await connect(scope)
    return testClient(scope, sb, { seams: (config) => seamsFromConfig({ telemetry: NO_TELEMETRY, redis: connection, config, log }) })
  }))
}

t.test('three instances, cold and concurrent: one token; a revoked token: one refresh for all (compare-and-replace)', { skip: redisSkip }, async (t) => {
  const sb = await sandbox(t)
  const clients = await instances(t, sb)
  const listings = await Promise.all(clients.flatMap((c, i) => [1, 2, 3, 4].map((n) => c.getListing(i * 4 + n))))
  t.same(listings.map((l) => l.id), Array.from({ length: 12 }, (_, i) => i + 1))
  let stats = await sb.stats()
  t.equal(stats.tokens_issued, 1, 'one token issued for the three')
  t.equal(upstreamCount(stats.requests.by_route, /^POST \S*accessTokens$/), 1)

  await sb.expireTokens()
  const after = await Promise.all(clients.flatMap((c, i) => [13, 14].map((n) => c.getListing(n + i * 2))))
  t.equal(after.length, 6, 'every call succeeded')
  stats = await sb.stats()
  t.equal(stats.tokens_issued, 2, 'the revoked token was replaced once, for every instance')
  t.equal(stats.rate_limited, 0)
})

t.test('the store: a lock has one holder, replace only replaces the stale token, and waiting instances take over a lost lock', { skip: redisSkip }, async (t) => {
  const connection = await connect(t)
  const keys = accountKeys('lock-test')
  const tokens = createRedisTokens({ connection, keys })
  t.equal(await tokens.get(), undefined)
  const first = await tokens.replace(undefined, { value: 'tok-1', ttlMs: 60_000, settleMs: 500 })
  t.equal(first.value, 'tok-1')
  t.ok(first.ttlMs > 59_000 && first.settleInMs > 400 && first.settleInMs <= 500, 'lifetime and settle wait on Redis time')
  t.equal((await tokens.replace(undefined, { value: 'tok-late', ttlMs: 60_000, settleMs: 0 })).value, 'tok-1', 'expected none, one is there: kept')
  t.equal((await tokens.replace('tok-0', { value: 'tok-late', ttlMs: 60_000, settleMs: 0 })).value, 'tok-1', 'expected another stale one: kept')
  t.equal((await tokens.replace('tok-1', { value: 'tok-2', ttlMs: 60_000, settleMs: 0 })).value, 'tok-2', 'the stale one: replaced')

  const owner = await tokens.lock(60_000)
  t.type(owner, 'string')
  t.equal(await tokens.lock(60_000), undefined, 'held')
  await tokens.unlock('someone-else')
  t.equal(await tokens.lock(60_000), undefined, 'still held: only its owner unlocks')
  await tokens.unlock(owner as string)
  const dead = await tokens.lock(300)
  t.type(dead, 'string', 'free again; now held by an instance that dies (300 ms lock)')

  let fetched = 0
  const deps = {
    shared: tokens,
    fetch: async () => ({ value: `fetched-${++fetched}`, ttlMs: 60_000 }),
    settleMs: 0,
    lockTtlMs: 5000,
    pollMs: 20,
    random: Math.random,
    signal: new AbortController().signal
  }
  const state = await sharedToken(deps, 'tok-2')
  t.equal(state.value, 'fetched-1', 'tok-2 was refused: once the lost lock expired, a new one was fetched')
  t.equal(fetched, 1)
  t.equal((await sharedToken(deps, 'tok-2')).value, 'fetched-1', 'the next caller takes the stored one')
  t.equal(fetched, 1)
})
