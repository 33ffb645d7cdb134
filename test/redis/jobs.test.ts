import { createClient } from '@redis/client'
import tap from 'tap'
import type { OperationResult } from '../../schemas/batch.js'
import type { JobRecord } from '../../services/jobs/model.js'
import { createRedisJobStore } from '../../services/jobs/redis-store.js'
import { createRedisConnection } from '../../services/redis/connection.js'
import { accountKeys } from '../../services/redis/keys.js'
import { clientOptions } from '../../services/redis/url.js'
import { countingProxy, putsPerListing } from '../fixtures/counting-proxy.js'
import { finished, submit, type JobBody } from '../fixtures/jobs.js'
import { sandbox } from '../helper.js'
import { serve, until } from '../reliability/helper.js'
import { redisSkip, startRedis } from './server.js'

// The jobs in Redis (services/jobs/redis-store.ts) and on BullMQ (services/jobs/bullmq-runner.ts)
// with a real redis-server: the store's rules, the stall interval, and a job handed over by an
// instance that shuts down. The crash of an instance (SIGKILL) is jobs-kill.test.ts.

const silent = { info () {}, warn () {}, debug () {} }
const ok = (index: number): OperationResult<unknown> => ({ success: true, data: { id: index }, operation_id: String(index), index, error: null, error_type: null, status_code: 200, retryable: false, retry_after_ms: null, attempts: 1, remediation: null })

function record (id: string, owner: string, created: number): JobRecord {
  return { id, operation: 'batchUpdateListings', owner, share: owner, request_id: null, body: { updates: [] }, status: 'queued', total_count: 3, created_at: created, started_at: null, finished_at: null, cancel_requested: false }
}

tap.test('the Redis job store', { skip: redisSkip }, async (t) => {
  const redis = await startRedis(t)
  const connection = createRedisConnection({ url: redis.url, timeoutMs: 2000, log: silent, telemetry: { redisError () {} } })
  await connection.start()
  t.teardown(() => connection.close())
  const keys = accountKeys('store-test')
  const store = createRedisJobStore({ connection, keys, ttlMs: 60_000 })

  const idem = { key: 'op:alice:k1', fingerprint: 'f1' }
  t.match(await store.create(record('j1', 'alice', 1), idem), { created: true })
  t.match(await store.create(record('j2', 'alice', 2), idem), { created: false, job: { id: 'j1' } }, 'the same Idempotency-Key and body: the job it created')
  t.equal(await store.create(record('j3', 'alice', 3), { key: idem.key, fingerprint: 'f2' }), 'mismatch', 'another body: mismatch')
  t.match(await store.create(record('j4', 'alice', 4)), { created: true })
  t.same((await store.list('alice', 10)).map((j) => j.id), ['j4', 'j1'], 'newest first, only the jobs created')
  t.same(await store.list('bob', 10), [], 'per owner')

  await store.update('j1', { cancel_requested: true })
  await store.update('j1', { status: 'running', started_at: 5 })
  t.match(await store.get('j1'), { status: 'running', started_at: 5, cancel_requested: true }, 'patches of separate fields never overwrite each other')

  await store.claim('j4', 'run-a')
  t.same(await store.start('j4', 0, true, 'run-a'), { cancelled: false, lost: false })
  await store.claim('j4', 'run-b')
  t.same(await store.start('j4', 1, true, 'run-a'), { cancelled: false, lost: true }, 'a run whose job another run claimed may not start items')
  t.same(await store.started('j4'), [0], 'nor are they recorded')
  t.ok(await store.owns('j4', 'run-b'))
  t.notOk(await store.owns('j4', 'run-a'))
  t.same(await store.start('j4', 2, true), { cancelled: false, lost: false }, 'without a token: no check')
  await store.release('j4', 2)
  t.same(await store.started('j4'), [0], 'released: not in flight')

  await store.append('j4', [ok(2), ok(0)])
  await store.append('j4', [ok(0), { ...ok(1), success: false }])
  t.same(await store.counts('j4'), { done: 3, success: 2, failure: 1 }, 'an index appended twice counts once')
  t.same((await store.items('j4', 1, 5)).map((i) => i.index), [0, 1], 'pages in the order they finished')

  await store.update('j4', { status: 'completed', finished_at: 10 })
  const client = createClient(clientOptions(redis.url, 2000))
  await client.connect()
  t.teardown(() => client.destroy())
  for (const key of [keys.job('j4'), `${keys.job('j4')}:items`, `${keys.job('j4')}:counts`]) {
    const ttl = Number(await client.sendCommand(['PTTL', key]))
    t.ok(ttl > 0 && ttl <= 60_000, `${key} expires with JOB_RESULT_TTL_MS once the job ended (${ttl} ms)`)
  }
  t.equal(Number(await client.sendCommand(['PTTL', keys.job('j1')])), -1, 'a job not ended is kept')
  await client.sendCommand(['DEL', keys.job('j4')])
  t.same((await store.list('alice', 10)).map((j) => j.id), ['j1'], 'an expired job is no longer listed')
  t.equal(await store.get('j4'), undefined)
})

tap.test('JOB_STALL_INTERVAL_MS: the lock of a running job lasts that long; an instance that shuts down hands its job over, and the other resumes it after its checkpoint, no write sent twice', { skip: redisSkip }, async (t) => {
  const sb = await sandbox(t, { rateWindowMs: 2000 })
  const proxy = await countingProxy(t, sb.baseUrl)
  const redis = await startRedis(t)
  const env = { REDIS_URL: redis.url, HOSTAWAY_BASE_URL: proxy.baseUrl, HOSTAWAY_RATE_WINDOW_MS: '2000', HOSTAWAY_RATE_WINDOW_MARGIN_MS: '250', JOB_STALL_INTERVAL_MS: '4000', SHUTDOWN_GRACE_MS: '0', REDIS_TIMEOUT_MS: '5000' }
  const a = await serve(t, env)
  const updates = Array.from({ length: 30 }, (_, i) => ({ listing_id: i + 1, price: 500 + i }))
  const created = await (await submit(a.url, '/api/listings/batch', { updates })).json() as JobBody
  await until(async () => (await (await fetch(`${a.url}/api/jobs/${created.id}`)).json() as JobBody).done_count >= 5, 30_000, 'five items done on the first instance')

  const client = createClient(clientOptions(redis.url, 2000))
  await client.connect()
  t.teardown(() => client.destroy())
  const lock = `${accountKeys(sb.accountId).jobQueuePrefix}:jobs:${created.id}:lock`
  const ttl = Number(await client.sendCommand(['PTTL', lock]))
  t.ok(ttl > 0 && ttl <= 4000, `the running job's lock lasts at most JOB_STALL_INTERVAL_MS (${ttl} ms; BullMQ's default is 30000)`)

  // the second instance starts now: the job can only be on the first one
  const b = await serve(t, env)
  t.match(await (await fetch(`${b.url}/health`)).json(), { jobs: 'redis' }, '/health: jobs in Redis')
  t.equal(a.logs.entries().filter((e) => e.msg === 'job taken by this instance').length, 1, 'the first instance runs it')
  await a.app.close()
  const job = await finished(b.url, created.id)
  t.equal(job.status, 'completed')
  t.ok(b.logs.entries().some((e) => e.msg === 'job taken by this instance' && e.job_id === created.id), 'the second instance took it over')
  t.ok(b.logs.entries().some((e) => e.msg === 'job resumed from its checkpoint'), 'and resumed it from its checkpoint')
  const result = job.result as NonNullable<JobBody['result']>
  const all = [...result.successful, ...result.failed]
  t.same(all.map((r) => r.index).sort((x, y) => x - y), updates.map((_, i) => i), 'every item once')
  const puts = putsPerListing(proxy.counts())
  t.ok([...puts.values()].every((n) => n <= 1), `at most one PUT per listing (most: ${Math.max(...puts.values())})`)
  for (const item of result.successful) t.equal(puts.get(Number(item.operation_id)), 1, `listing ${item.operation_id}: sent once`)
  for (const item of result.failed) t.equal(item.error_type, 'outcome_unknown', `listing ${item.operation_id}: only a write in flight at the handover may end unknown`)
})
