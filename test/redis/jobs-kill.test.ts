import { createClient } from '@redis/client'
import tap from 'tap'
import { clientOptions } from '../../services/redis/url.js'
import { accountKeys } from '../../services/redis/keys.js'
import { countingProxy, putsPerListing } from '../fixtures/counting-proxy.js'
import { finished, submit, type JobBody } from '../fixtures/jobs.js'
import { sandbox } from '../helper.js'
import { startServer, type ServerProcess } from '../reliability/child.js'
import { until } from '../reliability/helper.js'
import { redisSkip, startRedis } from './server.js'

// Three gateway processes (server.ts) on one Redis and one sandbox account; a job of 40 listing
// updates; the instance running it is killed (SIGKILL) mid-way. BullMQ's stalled-job check hands
// the job to another instance, which resumes it after its checkpoint: every item reported once,
// no listing written twice, and the writes the dead instance had in flight `outcome_unknown`.

const N = 40
const STALL_MS = 2000

tap.test('a job survives the SIGKILL of the instance running it: resumed elsewhere, no write sent twice', { skip: redisSkip }, async (t) => {
  // the sandbox's test limits: 15 per IP and 20 per account in 2 s windows (about 7 writes a second)
  const sb = await sandbox(t, { rateWindowMs: 2000 })
  const proxy = await countingProxy(t, sb.baseUrl)
  const redis = await startRedis(t)
  const env = {
    HOSTAWAY_BASE_URL: proxy.baseUrl,
    HOSTAWAY_ACCOUNT_ID: sb.accountId,
    HOSTAWAY_API_KEY: sb.apiKey,
    HOSTAWAY_RATE_WINDOW_MS: '2000',
    // the sandbox shares this test's event loop: a stall bunches its arrivals
    HOSTAWAY_RATE_WINDOW_MARGIN_MS: '250',
    HOSTAWAY_TOKEN_SETTLE_MS: '20',
    HOSTAWAY_TIMEOUT_MS: '2000',
    REDIS_URL: redis.url,
    JOB_STALL_INTERVAL_MS: String(STALL_MS),
    // a busy machine (2 shared cores) may hold a Redis answer past the default 1 s
    REDIS_TIMEOUT_MS: '5000'
  }
  const gateways: ServerProcess[] = [startServer(t, env), startServer(t, env), startServer(t, env)]
  const urls = await Promise.all(gateways.map((g) => g.url))

  const updates = Array.from({ length: N }, (_, i) => ({ listing_id: i + 1, price: 700 + i }))
  const res = await submit(urls[0], '/api/listings/batch', { updates }, { prefer: 'respond-async' })
  t.equal(res.status, 202)
  const { id } = await res.json() as JobBody
  await until(async () => (await (await fetch(`${urls[0]}/api/jobs/${id}`)).json() as JobBody).done_count >= 10, 60_000, 'ten items done')

  const runs = (g: ServerProcess) => g.logs.filter((e) => e.msg === 'job taken by this instance' && e.job_id === id).length
  const running = gateways.findIndex((g) => runs(g) > 0)
  t.ok(running >= 0, `instance ${running + 1} runs the job`)
  gateways[running].kill('SIGKILL')
  t.match(await gateways[running].exit, { signal: 'SIGKILL' })

  // what the dead instance left: the writes it had recorded as started, and the items finished
  const client = createClient(clientOptions(redis.url, 2000))
  await client.connect()
  t.teardown(() => client.destroy())
  const key = accountKeys(sb.accountId).job(id)
  const started = new Set((await client.sendCommand(['SMEMBERS', `${key}:started`]) as string[]).map(Number))
  const done = new Set((await client.sendCommand(['SMEMBERS', `${key}:done`]) as string[]).map(Number))
  const inFlight = [...started].filter((i) => !done.has(i)).sort((a, b) => a - b)
  t.comment(`killed instance ${running + 1} with ${done.size} items done and ${inFlight.length} in flight`)

  const survivor = urls[(running + 1) % 3]
  const job = await finished(survivor, id, {}, 120_000)
  t.equal(job.status, 'completed', 'the job completed on another instance')
  const takers = gateways.filter((g, i) => i !== running && runs(g) > 0)
  t.equal(takers.length, 1, 'one other instance took it over')
  t.ok(takers[0].logs.some((e) => e.msg === 'job resumed from its checkpoint' && e.job_id === id), 'and resumed it from its checkpoint')

  const result = job.result as NonNullable<JobBody['result']>
  const all = [...result.successful, ...result.failed]
  t.same(all.map((r) => r.index).sort((a, b) => a - b), updates.map((_, i) => i), 'every item reported exactly once')
  const puts = putsPerListing(proxy.counts())
  const most = Math.max(...puts.values())
  t.ok(most <= 1, `at most one PUT per listing (most: ${most}): no write sent twice`)
  for (const item of result.successful) t.equal(puts.get(Number(item.operation_id)), 1, `listing ${item.operation_id}: written once`)
  const unknown = result.failed.filter((f) => f.error_type === 'outcome_unknown').map((f) => f.index).sort((a, b) => a - b)
  t.same(unknown, inFlight, 'the items in flight on the dead instance, and only they, are outcome_unknown (never resent)')
  t.equal(result.failed.length, unknown.length, 'every other item succeeded')
  t.equal(result.success_count, N - inFlight.length)
  const stats = await sb.stats()
  t.comment(`${stats.rate_limited} upstream 429s; outcome_unknown ${unknown.length}`)
})
