import t from 'tap'
import pino from 'pino'
import { createRedisConnection } from '../../services/redis/connection.js'
import { createRedisIdempotencyStore } from '../../services/redis/idempotency.js'
import { accountKeys } from '../../services/redis/keys.js'
import { NO_TELEMETRY } from '../../services/telemetry.js'
import { redisSkip, startRedis } from './server.js'

// The checkpoint of a run cut short, in Redis, as two instances see it: stored and the claim freed
// in one step, resumed by the next claim of the same body (on any instance), kept when a resumed
// run fails, refused for another body (422), removed by the complete result.

const log = pino({ level: 'silent' })
const keys = accountKeys('checkpoint-test')

t.test('Redis checkpoints: resumed by another instance, kept by a failed resume, 422 for another body, gone once complete', { skip: redisSkip }, async (t) => {
  const redis = await startRedis(t)
  const connections = await Promise.all([0, 1].map(async () => {
    const connection = createRedisConnection({ telemetry: NO_TELEMETRY, url: redis.url, timeoutMs: 2000, log })
    await connection.start()
    t.teardown(() => connection.close())
    return connection
  }))
  const [a, b] = connections.map((connection) => createRedisIdempotencyStore({ connection, keys, leaseMs: 60_000, log }))
  const partial = { status: 200, body: { finished: [0, 2] } }

  t.same(await a.claim('k', 'f', 86_400_000), { state: 'claimed' })
  await a.checkpoint('k', 'f', partial, 86_400_000)
  t.equal(await connections[1].command(['EXISTS', keys.idempotency('k')]), 0, 'the claim is freed')
  t.ok(await connections[1].command(['PTTL', keys.idempotencyCheckpoint('k')]) as number > 86_000_000, 'the checkpoint kept for the TTL')

  t.same(await b.claim('k', 'other', 86_400_000), { state: 'mismatch' }, 'another body: 422')
  t.equal(await connections[1].command(['EXISTS', keys.idempotency('k')]), 0, 'and no claim left behind by it')
  t.same(await b.claim('k', 'f', 86_400_000), { state: 'claimed', checkpoint: partial }, 'another instance resumes from it')
  t.same(await a.claim('k', 'f', 86_400_000), { state: 'in_progress' }, 'while it runs: 409')
  await b.release('k')
  t.same(await a.claim('k', 'f', 86_400_000), { state: 'claimed', checkpoint: partial }, 'a resumed run that failed leaves the checkpoint')
  const complete = { status: 200, body: { finished: [0, 1, 2] } }
  await a.complete('k', 'f', complete, 86_400_000)
  t.equal(await connections[1].command(['EXISTS', keys.idempotencyCheckpoint('k')]), 0, 'the checkpoint removed with the complete result')
  t.same(await b.claim('k', 'f', 86_400_000), { state: 'replay', response: complete })
})
