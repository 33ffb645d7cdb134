import t from 'tap'
import { sandbox } from '../helper.js'
import { readEvents, submit } from '../fixtures/jobs.js'
import { startServer } from './child.js'
import { until, upstreamCount } from './helper.js'
import { sandboxUpstream } from '../fixtures/harness.js'

// SIGTERM with a job running, in memory mode (no REDIS_URL), against server.ts as a process: the
// job goes on for the grace period, then its items not started end unprocessed (the gateway shut
// down) and were never sent, the ones in flight finish; the job ends `failed` with every item
// reported (its event stream gets the end), and the process exits 0.

const GRACE_MS = 1000

t.test('SIGTERM in memory mode: a running job drains for the grace period, the rest is unprocessed (shutdown), exit 0', async (t) => {
  // 2 s windows of 15 requests: 60 updates need several windows, far more than the grace period
  const sb = await sandbox(t, { rateWindowMs: 2000 })
  const server = startServer(t, {
    ...sandboxUpstream(sb),
    HOSTAWAY_RATE_WINDOW_MS: '2000',
    HOSTAWAY_TOKEN_SETTLE_MS: '0',
    SHUTDOWN_GRACE_MS: String(GRACE_MS)
  })
  const url = await server.url
  const updates = Array.from({ length: 60 }, (_, i) => ({ listing_id: i + 1, price: 500 + i }))
  const res = await submit(url, '/api/listings/batch', { updates })
  t.equal(res.status, 202)
  const { id } = await res.json() as { id: string }
  const events = fetch(`${url}/api/jobs/${id}/events`).then(readEvents)
  await until(async () => upstreamCount((await sb.stats()).requests.by_route, /^PUT \/v1\/listings\/:id$/) >= 1, 30_000, 'a first write sent')
  server.kill('SIGTERM')

  const received = await events.catch((err: unknown) => { console.error(server.logs.filter((l) => l.component !== 'sandbox').map((l) => JSON.stringify({ t: l.time, msg: l.msg, in_flight: l.in_flight, status: l.status, err: l.err })).join('\n')); throw err })
  const end = received.at(-1)
  t.equal(end?.event, 'end', 'the event stream got the end before the process closed')
  const summary = end?.data as { status: string, done_count: number, success_count: number, failure_count: number }
  t.match(summary, { status: 'failed', done_count: 60 })
  t.equal(summary.success_count + summary.failure_count, 60, 'every item reported')
  t.ok(summary.success_count >= 1, `writes done before the shutdown stay done (${summary.success_count})`)

  const exit = await server.exit
  t.same(exit, { code: 0, signal: null }, 'exit 0')

  const finishedLine = server.logs.find((l) => l.msg === 'job finished' && l.job_id === id)
  t.match(finishedLine, { status: 'failed', error: /shut down/ })
  const audit = server.logs.filter((l) => l.audit === 'listing_update')
  t.equal(audit.length, 60, 'one audit line per item')
  const shutdown = audit.filter((l) => l.error_type === 'unprocessed' && l.attempts === 0)
  t.ok(shutdown.length > 0, `items never started: unprocessed, never sent (${shutdown.length})`)
  const sent = audit.filter((l) => (l.attempts as number) > 0).length
  t.equal(upstreamCount((await sb.stats()).requests.by_route, /^PUT \/v1\/listings\/:id$/), sent, 'a PUT for each item sent, none for the others')
})
