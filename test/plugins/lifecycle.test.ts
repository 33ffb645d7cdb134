import t from 'tap'
import { serve, until } from '../reliability/helper.js'
import { serverOptions } from '../../app.js'
import { drainBoundMs } from '../../plugins/app/lifecycle.js'
import { loadConfig } from '../../services/config.js'

// Closing the app in process (what SIGTERM does in server.ts): drain, then abort what is left.

t.test('close waits for a request in flight within SHUTDOWN_GRACE_MS; a request arriving meanwhile gets 503', async (t) => {
  const { app, url, logs } = await serve(t, { SHUTDOWN_GRACE_MS: '10000', HOSTAWAY_TIMEOUT_MS: '5000' }, { faults: { latency_ms: { min: 1500, max: 1500 } } })
  await app.inject({ url: '/ready' })
  const inFlight = fetch(`${url}/api/listings/1`)
  await until(() => logs.entries().some((e) => (e.req as { url?: string } | undefined)?.url === '/api/listings/1'), 10_000, 'the read received')
  const closing = app.close()
  await until(() => logs.entries().some((e) => e.msg === 'draining: waiting for the requests in flight'), 10_000, 'the drain')
  // inject is refused while closing: a real connection, as a client would make
  const late = await fetch(`${url}/api/listings/2`, { headers: { 'x-request-id': 'late-1' } })
  t.equal(late.status, 503)
  t.equal(late.headers.get('retry-after'), '1')
  t.equal(late.headers.get('x-request-id'), 'late-1')
  t.same(await late.json(), {
    statusCode: 503,
    error: 'Service Unavailable',
    message: 'The gateway is shutting down: send the request again (another instance can take it)',
    error_type: 'unprocessed',
    request_id: 'late-1'
  })
  const res = await inFlight
  t.equal(res.status, 200, 'finished normally')
  t.equal(res.headers.get('connection'), 'close', 'its connection is not kept')
  await closing
  t.ok(logs.entries().some((e) => e.msg === 'draining: waiting for the requests in flight' && e.in_flight === 1))
  t.notOk(logs.entries().some((e) => e.msg === 'shutdown grace period over: ending the requests in flight'))
})

t.test('at the end of SHUTDOWN_GRACE_MS the work in flight is aborted and still answered', async (t) => {
  const { app, logs } = await serve(t, { SHUTDOWN_GRACE_MS: '0' }, { faults: { latency_ms: { min: 2000, max: 2000 } } })
  await app.inject({ url: '/ready' })
  const inFlight = app.inject({ url: '/api/listings/1' })
  await new Promise((resolve) => setTimeout(resolve, 100))
  await app.close()
  const res = await inFlight
  t.equal(res.statusCode, 504)
  t.match(res.json(), { error_type: 'timeout', message: /the gateway is shutting down while the request was in flight/ })
  t.ok(logs.entries().some((e) => e.msg === 'shutdown grace period over: ending the requests in flight' && e.in_flight === 1))
})

t.test('the close hooks are bounded above the drain, for any SHUTDOWN_GRACE_MS: the drain ends by its own rule', async (t) => {
  // Fastify runs `preClose` hooks (the drain) under avvio's `pluginTimeout`; were it below the
  // drain's bound, a long grace would end in AVV_ERR_READY_TIMEOUT with no response (the child
  // process test in test/reliability/shutdown.test.ts shows it with the default grace)
  for (const grace of ['0', '25000', '600000']) {
    const config = loadConfig({ LOG_LEVEL: 'silent', HOSTAWAY_ACCOUNT_ID: '1', HOSTAWAY_API_KEY: 'k', SHUTDOWN_GRACE_MS: grace })
    const bound = serverOptions(config).pluginTimeout ?? 10_000
    t.ok(bound > drainBoundMs(config), `grace ${grace} ms: close hooks bounded at ${bound} ms, the drain at ${drainBoundMs(config)} ms`)
    t.ok(bound >= 60_000, 'and a start is given a minute, what a loaded machine may need')
  }
})
