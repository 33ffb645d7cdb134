import { createConnection, type Socket } from 'node:net'
import t from 'tap'
import pino from 'pino'
import { createRedisConnection } from '../../services/redis/connection.js'
import { accountKeys } from '../../services/redis/keys.js'
import { createRedisStore } from '../../services/redis/store.js'
import { NO_TELEMETRY } from '../../services/telemetry.js'
import { serve, until } from '../reliability/helper.js'
import { redisSkip, startRedis } from './server.js'

// The warm read path with REDIS_URL costs no round trip to Redis: what an instance holds is good
// while the account's invalidation generation is unchanged, and Redis tells the instance when it
// changes (client tracking) instead of being asked on every request. Counted with MONITOR on a
// real redis-server: every command any client sends, in order.

const log = pino({ level: 'silent' })

/** A MONITOR connection: the commands Redis received since the last `since()`, up to a marker sent after them. */
async function monitor (t: { teardown: (fn: () => unknown) => void }, url: string) {
  const socket: Socket = createConnection(decodeURIComponent(new URL(url).pathname))
  t.teardown(() => socket.destroy())
  let text = ''
  socket.setEncoding('utf8')
  socket.on('data', (chunk: string) => { text += chunk })
  await new Promise<void>((resolve) => socket.once('connect', resolve))
  socket.write('MONITOR\r\n')
  await until(() => text.includes('+OK'), 10_000, 'MONITOR to start')
  const control = createRedisConnection({ telemetry: NO_TELEMETRY, url, timeoutMs: 5000, log })
  await control.start()
  t.teardown(() => control.close())
  let marks = 0
  /** The commands (one line each) between the previous mark and a new one. */
  async function since (): Promise<string[]> {
    const mark = `mark-${++marks}`
    await control.command(['ECHO', mark])
    await until(() => text.includes(`"ECHO" "${mark}"`), 10_000, 'the marker to be monitored')
    const lines = text.split('\r\n').filter((l) => l.startsWith('+') && l !== '+OK')
    text = text.slice(text.indexOf(`"ECHO" "${mark}"`))
    // a script's own commands are listed too ([0 lua]): not round trips; and the job queue's
    // worker (BullMQ, `<prefix>:jobs:…` keys) polls on its own schedule, whatever the reads do
    return lines.filter((l) => !l.includes('"ECHO" "mark-') && !/^\+\S+ \[\d+ lua\]/.test(l) && !l.includes(':jobs:'))
  }
  return { since }
}

t.test('warm reads through Redis: no Redis command while nothing changed; an invalidation on another instance is still seen', { skip: redisSkip }, async (t) => {
  const redis = await startRedis(t)
  const { url, sandbox: sb } = await serve(t, { REDIS_URL: redis.url }, { rateWindowMs: 1000 })
  const batch = async () => {
    const res = await fetch(`${url}/api/batch/listings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ids: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }) })
    t.equal(res.status, 200)
    return await res.json() as { success_count: number }
  }
  const price = async (id: number) => (await (await fetch(`${url}/api/listings/${id}`)).json() as { price: number }).price

  // cold, then once more: the entries held and the generation known
  await batch()
  await batch()
  const watch = await monitor(t, redis.url)
  await watch.since()

  const before = (await sb.stats()).requests.total
  for (let i = 0; i < 10; i++) {
    t.equal((await batch()).success_count, 10)
    await price(3)
  }
  const commands = await watch.since()
  t.same(commands, [], '20 warm requests (10 batches of 10 ids, 10 single reads): no Redis command at all (at most one per request is the goal)')
  t.equal((await sb.stats()).requests.total, before, 'nor an upstream call')

  // another instance puts a new value in place (as a webhook does): this one serves it
  const other = createRedisConnection({ telemetry: NO_TELEMETRY, url: redis.url, timeoutMs: 5000, log })
  await other.start()
  t.teardown(() => other.close())
  const store = createRedisStore({ connection: other, keys: accountKeys(sb.accountId), fenceMs: 1000, log })
  const listing = await (await fetch(`${url}/api/listings/3`)).json() as Record<string, unknown>
  await store.replace?.('listing:3', { ...listing, price: 4242 }, 60_000)
  await until(async () => await price(3) === 4242, 10_000, 'the other instance\'s value to be served')
  await batch() // the other entries: held under the old generation, read again
  const after = await watch.since()
  t.ok(after.some((l) => l.includes('"GET" "hgw:{10000}:cache-generation"'.replace('10000', sb.accountId))), 'the changed generation was read again')

  for (let i = 0; i < 5; i++) {
    await price(3)
    await batch()
  }
  t.same(await watch.since(), [], 'warm again: no Redis command')
})
