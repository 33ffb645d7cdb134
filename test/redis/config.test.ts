import { createServer } from 'node:net'
import { hostname } from 'node:os'
import t from 'tap'
import pino from 'pino'
import { ConfigError, loadConfig } from '../../services/config.js'
import { createRedisConnection } from '../../services/redis/connection.js'
import { build } from '../helper.js'
import { redisSkip, startRedis } from './server.js'
import { NO_TELEMETRY } from '../../services/telemetry.js'

// REDIS_URL, REDIS_TIMEOUT_MS and HOSTAWAY_EGRESS_ID: validated, and each takes effect.

t.test('the variables are validated, and a password in REDIS_URL never shows in the message', async (t) => {
  const bad: Array<[Record<string, string>, RegExp]> = [
    [{ REDIS_URL: 'http://cache:6379' }, /^Invalid configuration: REDIS_URL Expected string to match/],
    [{ REDIS_URL: 'ftp://user:hunter2-pw@cache:6379' }, /^Invalid configuration: REDIS_URL Expected string to match .*\(got "ftp:\/\/user:\[redacted\]@cache:6379"\)$/],
    [{ REDIS_URL: 'redis://user:hunter2-pw@' }, /^Invalid configuration: REDIS_URL is not a valid URL/],
    [{ REDIS_URL: 'redis://cache:6379/zero' }, /^Invalid configuration: REDIS_URL is not a valid URL/],
    [{ REDIS_URL: 'unix:///' }, /^Invalid configuration: REDIS_URL is not a valid URL/],
    [{ REDIS_TIMEOUT_MS: '5' }, /^Invalid configuration: REDIS_TIMEOUT_MS Expected integer to be greater or equal to 10/],
    [{ HOSTAWAY_EGRESS_ID: 'two words' }, /^Invalid configuration: HOSTAWAY_EGRESS_ID Expected string to match/]
  ]
  for (const [env, message] of bad) {
    const err = (() => { try { loadConfig(env) } catch (e) { return e } })()
    t.ok(err instanceof ConfigError, JSON.stringify(Object.keys(env)))
    t.match((err as Error).message, message)
    t.notMatch((err as Error).message, /hunter2-pw/)
  }
  const config = loadConfig({ REDIS_URL: 'rediss://user:pw@cache.internal:6380/2', HOSTAWAY_EGRESS_ID: 'nat-eu-1' })
  t.match(config, { REDIS_URL: 'rediss://user:pw@cache.internal:6380/2', REDIS_TIMEOUT_MS: 1000, HOSTAWAY_EGRESS_ID: 'nat-eu-1' })
  t.equal(loadConfig({ REDIS_URL: 'unix:///run/redis/redis.sock' }).REDIS_URL, 'unix:///run/redis/redis.sock')
})

t.test('without REDIS_URL nothing is shared (fastify.redis is null); with it, the budget keys carry the account and the egress id (default: the host name)', { skip: redisSkip }, async (t) => {
  const plain = await build(t)
  t.equal(plain.app.redis, null)

  const redis = await startRedis(t)
  const inspect = createRedisConnection({ telemetry: NO_TELEMETRY, url: redis.url, timeoutMs: 2000, log: pino({ level: 'silent' }) })
  await inspect.start()
  t.teardown(() => inspect.close())
  // the keys of the account's job queue (BullMQ's, `hgw:{…}:jobs:…`) are test/redis/jobs.test.ts's
  const keys = async () => (await inspect.command(['KEYS', 'hgw:*']) as string[]).filter((k) => !k.includes('}:jobs:')).sort()

  const byHost = await build(t, { REDIS_URL: redis.url })
  t.ok(byHost.app.redis?.available(), 'connected')
  t.equal((await byHost.app.inject({ url: '/api/listings/1' })).statusCode, 200)
  const account = byHost.sandbox.accountId
  t.same(await keys(), [
    `hgw:{${account}}:budget:account`,
    `hgw:{${account}}:budget:ip:${hostname()}`,
    `hgw:{${account}}:budget:since`,
    `hgw:{${account}}:cache:listing:1`,
    `hgw:{${account}}:token`
  ], 'budget logs (account, egress = host name), the cached listing, the shared token')

  const byId = await build(t, { REDIS_URL: redis.url, HOSTAWAY_EGRESS_ID: 'nat-eu-1' })
  t.equal((await byId.app.inject({ url: '/api/listings/2' })).statusCode, 200)
  t.ok((await keys()).includes(`hgw:{${account}}:budget:ip:nat-eu-1`), 'HOSTAWAY_EGRESS_ID names the per-IP budget')
})

t.test('a Redis refusing the password in REDIS_URL: /ready 503 naming Redis, the password in no log line and no response', { skip: redisSkip }, async (t) => {
  // answers every command as a Redis with another password would
  const fake = createServer((socket) => {
    socket.on('data', () => socket.write('-WRONGPASS invalid username-password pair or user is disabled.\r\n'))
    socket.on('error', () => {})
  })
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => fake.close(resolve)))
  const port = (fake.address() as { port: number }).port
  const { app, logs } = await build(t, { REDIS_URL: `redis://gateway:s3cr3t-redis-pw@127.0.0.1:${port}`, REDIS_TIMEOUT_MS: '200', LOG_LEVEL: 'debug' })
  const ready = await app.inject({ url: '/ready' })
  t.equal(ready.statusCode, 503)
  t.match(ready.json(), { error_type: 'unprocessed', message: new RegExp(`^Not ready: Not sent: the shared state \\(Redis at redis://127\\.0\\.0\\.1:${port}\\) is unavailable: .*WRONGPASS`) })
  const batch = await app.inject({ method: 'POST', url: '/api/batch/listings', payload: { ids: [1] } })
  t.match(batch.json(), { failed: [{ error_type: 'unprocessed', retryable: true }] })
  t.ok(logs.lines.length > 0)
  t.notMatch(logs.text + ready.body + batch.body, /s3cr3t-redis-pw/, 'the password stays out')
})
