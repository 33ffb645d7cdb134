import t from 'tap'
import { serve, until } from '../reliability/helper.js'

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
