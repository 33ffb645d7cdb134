import t from 'tap'
import { setTimeout as delay } from 'node:timers/promises'
import { stallLoop } from '../fixtures/harness.js'
import { serve } from '../reliability/helper.js'

// Load shedding (plugins/external/under-pressure.ts): while this process' event loop is saturated
// (stalled here), new requests are refused with a 503 in the error schema; /health and /metrics
// still answer; the gateway serves again once the loop recovers. Bounds below are counts of
// stalls, generous: nothing is timed.

/** Keep the event loop busy (300 ms stalls, a turn of the loop between them) until `check` answers something. */
async function saturated<T> (check: () => Promise<T | undefined>, what: string, stalls = 100): Promise<T> {
  for (let i = 0; i < stalls; i++) {
    stallLoop(300)
    await new Promise((resolve) => setImmediate(resolve))
    const answer = await check()
    if (answer !== undefined) return answer
  }
  throw new Error(`no ${what} after ${stalls} stalls`)
}

/** Poll `check` every 50 ms (the loop free) until it answers something. */
async function recovered<T> (check: () => Promise<T | undefined>, what: string, tries = 200): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const answer = await check()
    if (answer !== undefined) return answer
    await delay(50)
  }
  throw new Error(`no ${what} after ${tries} tries`)
}

t.test('PRESSURE_MAX_EVENT_LOOP_DELAY_MS: a saturated loop refuses new requests with 503 in the error schema; /health and /metrics answer; it serves again once the loop recovers', async (t) => {
  const { url, logs } = await serve(t, { PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '50' })
  t.equal((await fetch(`${url}/api/listings/1`)).status, 200, 'served while the loop is free')
  let seq = 0
  const refused = await saturated(async () => {
    const res = await fetch(`${url}/api/listings/1`, { headers: { 'x-request-id': `pressure-${++seq}` } })
    const body = await res.json() as Record<string, unknown>
    return res.status === 503 ? { res, body, id: `pressure-${seq}` } : undefined
  }, '503')
  t.equal(refused.res.headers.get('retry-after'), '1', 'Retry-After: the next measurement may clear it')
  t.equal(refused.res.headers.get('x-request-id'), refused.id)
  t.match(refused.res.headers.get('content-type'), /^application\/json/)
  t.same(Object.keys(refused.body).sort(), ['error', 'error_type', 'message', 'request_id', 'statusCode'], 'the ErrorResponse fields, nothing else')
  t.match(refused.body, {
    statusCode: 503,
    error: 'Service Unavailable',
    error_type: 'unprocessed',
    request_id: refused.id,
    message: /^The gateway is overloaded \(mean event-loop delay \d+ ms over the limit 50 ms\): nothing was done; send the request again after Retry-After$/
  })

  const warnings = () => logs.entries().filter((e) => e.msg === 'under pressure: refusing new requests (503) until the event loop recovers')
  t.equal(warnings().length, 1, 'a warning when the refusals start')
  t.match(warnings()[0], { level: 40, pressure: 'eventLoopDelay' })

  // still saturated: liveness and metrics answer, readiness does not; more refusals, no more lines
  const alwaysAnswered: number[] = []
  const still = await saturated(async () => {
    const [health, metrics, ready, ...more] = await Promise.all([
      fetch(`${url}/health`), fetch(`${url}/metrics`), fetch(`${url}/ready`),
      ...Array.from({ length: 5 }, () => fetch(`${url}/api/listings/2`))
    ])
    alwaysAnswered.push(health.status, metrics.status)
    const refusals = [ready, ...more].filter((r) => r.status === 503).length
    // the measurement may have cleared meanwhile: then again, under a new stall
    return refusals === 6 ? refusals : undefined
  }, 'pressure')
  t.equal(still, 6, '/ready says not ready, the other requests are refused')
  t.ok(alwaysAnswered.every((status) => status === 200), `/health and /metrics answered 200 every time (${alwaysAnswered.length} requests)`)
  t.equal(warnings().length, 1, 'refusals are not logged one by one')

  const served = await recovered(async () => {
    const res = await fetch(`${url}/api/listings/1`)
    return res.status === 200 ? res.status : undefined
  }, '200 after the loop recovered')
  t.equal(served, 200, 'served again')
})

t.test('PRESSURE_MAX_EVENT_LOOP_UTILIZATION refuses on a busy loop; both thresholds 0: nothing is refused, however saturated the loop', async (t) => {
  const busy = await serve(t, { PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '0', PRESSURE_MAX_EVENT_LOOP_UTILIZATION: '0.5' })
  const refused = await saturated(async () => {
    const res = await fetch(`${busy.url}/api/listings/1`)
    return res.status === 503 ? await res.json() as Record<string, unknown> : undefined
  }, '503')
  t.match(refused, { statusCode: 503, error_type: 'unprocessed', message: /^The gateway is overloaded \(event-loop utilization (0|1)\.\d\d over the limit 0\.5\)/ })

  const off = await serve(t, { PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '0' })
  let requests = 0
  let refusals = 0
  // saturated until the measure shows a delay well above what the first test refused at
  await saturated(async () => {
    const res = await fetch(`${off.url}/api/listings/1`)
    requests++
    if (res.status === 503) refusals++
    return off.app.memoryUsage().eventLoopDelay > 100 && requests >= 5 ? true : undefined
  }, 'a measured delay above 100 ms')
  t.equal(refusals, 0, `the loop measured saturated, ${requests} requests, none refused`)
})

t.test('the start\'s own work is not load: nothing is refused in the first two measurements after the app is ready', async (t) => {
  const { url } = await serve(t, { PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '50' })
  // a stall at once, as a start's compiling is: the first measurement sees it
  stallLoop(1200)
  await new Promise((resolve) => setImmediate(resolve))
  t.equal((await fetch(`${url}/api/listings/1`)).status, 200, 'served: within the grace')
  const refused = await saturated(async () => {
    const res = await fetch(`${url}/api/listings/1`)
    return res.status === 503 ? res.status : undefined
  }, '503 once the grace is over')
  t.equal(refused, 503)
})
