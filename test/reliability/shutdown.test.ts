import t from 'tap'
import { sandbox } from '../helper.js'
import { startServer } from './child.js'
import { everyItemOnce, until, upstreamCount, type BatchBody } from './helper.js'
import { sandboxUpstream } from '../fixtures/harness.js'

// SIGTERM during running batches, against server.ts as a process and a sandbox of this test:
// in-flight requests finish within the grace period, then the batches end through their deadline
// path and still answer; new requests get the 503 error body; the process exits 0.

const GRACE_MS = 1500

t.test('SIGTERM: drain, end the batches at the grace deadline, answer them, exit 0', async (t) => {
  // every data request takes 600 ms; listing 3 never answers (a read and a write left in flight);
  // the rate budget is ample, so the lookup batch is paced by its concurrency (8) alone: ~3 s
  const sb = await sandbox(t, { rateWindowMs: 1000, rateLimitIp: 100, rateLimitAccount: 100, faults: { latency_ms: { min: 600, max: 600 }, fail_ids: { hang: [3] } } })
  const server = startServer(t, {
    ...sandboxUpstream(sb),
    HOSTAWAY_RATE_WINDOW_MS: '1000',
    HOSTAWAY_RATE_LIMIT_IP: '100',
    HOSTAWAY_RATE_LIMIT_ACCOUNT: '100',
    HOSTAWAY_TOKEN_SETTLE_MS: '0',
    SHUTDOWN_GRACE_MS: String(GRACE_MS),
    // one GET per id, paced by the batch's concurrency (the planner would answer from one list page)
    BATCH_PLANNER: 'off'
  })
  const url = await server.url
  const json = { 'content-type': 'application/json' }
  const logged = (msg: string | RegExp) => server.logs.some((l) => typeof msg === 'string' ? l.msg === msg : msg.test(String(l.msg)))

  const ids = Array.from({ length: 40 }, (_, i) => i + 1).filter((id) => id !== 5)
  const lookup = fetch(`${url}/api/batch/listings`, { method: 'POST', headers: json, body: JSON.stringify({ ids }) })
  const update = fetch(`${url}/api/listings/batch`, { method: 'PATCH', headers: json, body: JSON.stringify({ updates: [{ listing_id: 3, price: 111 }, { listing_id: 4, price: 222 }] }) })
  await until(async () => upstreamCount((await sb.stats()).requests.by_route, /^PUT /) === 2, 20_000, 'both writes sent')

  // a single read in flight when the signal comes
  const single = fetch(`${url}/api/listings/5`)
  await until(() => server.logs.some((l) => (l.req as { url?: string } | undefined)?.url === '/api/listings/5'), 10_000, 'the single read received')
  const signalledAt = performance.now()
  server.kill('SIGTERM')
  await until(() => logged('draining: waiting for the requests in flight'), 10_000, 'the drain')

  // a request arriving now is refused in the error schema
  const late = await fetch(`${url}/health`)
  t.equal(late.status, 503)
  t.equal(late.headers.get('retry-after'), '1')
  t.equal(late.headers.get('connection'), 'close')
  const refusal = await late.json() as Record<string, unknown>
  t.match(refusal, { statusCode: 503, error: 'Service Unavailable', error_type: 'unprocessed', message: /shutting down/ })
  t.equal(refusal.request_id, late.headers.get('x-request-id'), 'with the request id')

  const read = await single
  t.equal(read.status, 200, 'the single read in flight finished within the grace period')
  t.equal((await read.json() as { id: number }).id, 5)

  const lookupRes = await lookup
  t.equal(lookupRes.status, 200, 'the lookup batch still answered')
  const body = await lookupRes.json() as BatchBody
  t.equal(everyItemOnce(body, ids), undefined, 'every item exactly once, in order')
  t.ok(body.success_count > 0, `${body.success_count} fetched before the deadline`)
  const byType = (type: string) => body.failed.filter((i) => i.error_type === type)
  t.ok(byType('unprocessed').length > 0, `${byType('unprocessed').length} never sent`)
  t.ok(byType('unprocessed').every((i) => i.attempts === 0 && i.retryable), 'unprocessed: nothing sent, safe to resend')
  t.match(body.failed.find((i) => i.operation_id === '3'), { error_type: 'timeout', retryable: true }, 'the hanging read: sent, no answer')
  t.same([...new Set(body.failed.map((i) => i.error_type))].sort(), ['timeout', 'unprocessed'].filter((x) => byType(x).length > 0))
  t.match((body.failed[0] as unknown as { error: string }).error, /the gateway is shutting down/)

  const updateRes = await update
  t.equal(updateRes.status, 200, 'the update batch still answered')
  const updated = await updateRes.json() as BatchBody
  t.equal(everyItemOnce(updated, [3, 4]), undefined)
  t.match(updated.successful, [{ operation_id: '4' }])
  t.match(updated.failed, [{ operation_id: '3', error_type: 'outcome_unknown', retryable: true, attempts: 1 }], 'the hanging write may have been applied')

  const exit = await server.exit
  const tookMs = Math.round(performance.now() - signalledAt)
  t.same(exit, { code: 0, signal: null }, 'exit code 0')
  t.ok(logged('shutdown grace period over: ending the requests in flight'))
  t.ok(logged('closed'))
  t.notOk(logged(/killed by timeout/))
  t.comment(`SIGTERM → exit: ${tookMs} ms (grace ${GRACE_MS} ms); lookup ${body.success_count} ok, ${byType('timeout').length} timeout, ${byType('unprocessed').length} unprocessed`)
})

t.test('SIGTERM with the default SHUTDOWN_GRACE_MS (25 s): the batch in flight still answers with every item, exit 0', async (t) => {
  // Everything at its default but where the upstream is. The drain runs under Fastify's close,
  // whose hooks avvio bounds by `pluginTimeout` (10 s unless set): a grace longer than that once
  // ended in AVV_ERR_READY_TIMEOUT, no response and exit code 1.
  const sb = await sandbox(t, { rateWindowMs: 10_000, faults: { fail_ids: { hang: [17] } } })
  const server = startServer(t, { ...sandboxUpstream(sb) })
  const url = await server.url
  const logged = (msg: string | RegExp) => server.logs.some((l) => typeof msg === 'string' ? l.msg === msg : msg.test(String(l.msg)))

  const batch = fetch(`${url}/api/batch/listings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ids: [1, 17] }) })
  // SIGTERM once listing 17 hangs upstream: the batch is in flight and stays so past avvio's 10 s
  await until(async () => upstreamCount((await sb.stats()).requests.by_route, /^GET \/v1\/listings\/:/) === 2, 30_000, 'both reads sent')
  server.kill('SIGTERM')
  await until(() => logged('draining: waiting for the requests in flight'), 10_000, 'the drain')

  const res = await batch
  t.equal(res.status, 200, 'the batch answered')
  const body = await res.json() as BatchBody
  t.equal(everyItemOnce(body, [1, 17]), undefined, 'every item exactly once, in order')
  t.match(body.successful, [{ operation_id: '1', success: true }], 'listing 1 fetched')
  t.match(body.failed, [{ operation_id: '17', error_type: 'timeout', retryable: true }], 'listing 17: sent, no answer')
  t.match((body.failed[0] as unknown as { error: string }).error, /the gateway is shutting down/, 'ended by the grace period, not by a deadline of its own')

  const exit = await server.exit
  t.same(exit, { code: 0, signal: null }, 'exit code 0: within SHUTDOWN_GRACE_MS + 5 s, or close-with-grace would have exited 1')
  t.ok(logged('shutdown grace period over: ending the requests in flight'), 'the grace period ran out first')
  t.ok(logged('closed'))
  t.notOk(logged(/killed by timeout|did not start in time/), 'neither close-with-grace nor avvio cut the close short')
  t.notOk(server.logs.some((l) => l.level === 50 || l.level === 60), 'no error logged')
})
