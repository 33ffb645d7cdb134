import t from 'tap'
import pino from 'pino'
import { createBreaker, describeFailure, healthOf, refusedError, type Permit, type Refusal } from '../../../../services/hostaway/call/breaker.js'
import { NO_TELEMETRY } from '../../../../services/telemetry.js'

const lines: string[] = []
const log = pino({ level: 'info' }, { write (s: string) { lines.push(s) } })

function setup (settings: Partial<{ threshold: number, windowMs: number, openMs: number, probeTimeoutMs: number }> = {}) {
  let now = 1_000
  const breaker = createBreaker({ telemetry: NO_TELEMETRY, settings: { threshold: 3, windowMs: 1000, openMs: 500, probeTimeoutMs: 200, ...settings }, log, now: () => now })
  return { breaker, advance: (ms: number) => { now += ms } }
}

function permit (p: Permit | Refusal): Permit {
  if (!('probe' in p)) throw new Error(`refused: ${p.reason}`)
  return p
}

const fail = (b: ReturnType<typeof setup>['breaker'], what = 'GET /listings/1 → HTTP 503') => b.record(permit(b.admit()), 'failure', what)

t.test('health: 5xx, timeouts and network errors are failures; 4xx and 429 are answers; an abort says nothing', async (t) => {
  t.equal(healthOf({ kind: 'response', status: 503, body: '' }), 'failure')
  t.equal(healthOf({ kind: 'response', status: 500, body: {} }), 'failure')
  t.equal(healthOf({ kind: 'bad_body', status: 502 }), 'failure')
  t.equal(healthOf({ kind: 'timeout' }), 'failure')
  t.equal(healthOf({ kind: 'network', code: 'ECONNREFUSED' }), 'failure')
  t.equal(healthOf({ kind: 'response', status: 429, body: '' }), 'success')
  t.equal(healthOf({ kind: 'response', status: 404, body: {} }), 'success')
  t.equal(healthOf({ kind: 'response', status: 403, body: {} }), 'success')
  t.equal(healthOf({ kind: 'bad_body', status: 200 }), 'success')
  t.equal(healthOf({ kind: 'aborted' }), 'neutral')
  t.equal(describeFailure('GET /listings/1', { kind: 'network', code: 'ECONNRESET' }), 'GET /listings/1 → network error ECONNRESET')
  t.equal(describeFailure('GET /listings/1', { kind: 'timeout' }), 'GET /listings/1 → no response in time')
  t.equal(describeFailure('GET /listings/1', { kind: 'bad_body', status: 502 }), 'GET /listings/1 → HTTP 502')
})

t.test('opens after `threshold` failures in a row; a success in between resets the count', async (t) => {
  const { breaker } = setup()
  fail(breaker)
  fail(breaker)
  breaker.record(permit(breaker.admit()), 'success')
  fail(breaker)
  fail(breaker)
  t.equal(breaker.state(), 'closed', 'two failures after the success')
  const signal = breaker.openSignal()
  t.notOk(signal.aborted)
  fail(breaker, 'GET /listings/7 → network error ECONNREFUSED')
  t.equal(breaker.state(), 'open')
  t.ok(signal.aborted, 'waiters listening to the open signal are told')
  t.match(String((signal.reason as Error).message), /Hostaway is failing \(3 failures in a row, the last: GET \/listings\/7 → network error ECONNREFUSED\); circuit breaker open/)
  t.notOk(breaker.openSignal().aborted, 'a fresh signal for the next opening')
  const refusal = breaker.check()
  t.match(refusal, { retryAfterMs: 500 })
  t.notOk('probe' in breaker.admit(), 'admit refuses too')
  t.ok(lines.some((l) => /hostaway circuit breaker opened/.test(l) && /"open_ms":500/.test(l)), 'logged once, as a fixed message with fields')
})

t.test('failures older than the window do not count', async (t) => {
  const { breaker, advance } = setup({ windowMs: 1000 })
  fail(breaker)
  fail(breaker)
  advance(1001)
  fail(breaker)
  t.equal(breaker.state(), 'closed', 'the first two left the window')
  advance(500)
  fail(breaker)
  t.equal(breaker.state(), 'closed')
  fail(breaker)
  t.equal(breaker.state(), 'open', 'three within 1000 ms')
})

t.test('open → half-open → one probe at a time → closed on success, open again on failure', async (t) => {
  const { breaker, advance } = setup({ threshold: 1, openMs: 500, probeTimeoutMs: 200 })
  fail(breaker)
  advance(300)
  t.match(breaker.check(), { retryAfterMs: 200 }, 'retry_after = time to the next probe')
  advance(200)
  t.equal(breaker.state(), 'half_open')
  t.equal(breaker.check(), undefined, 'a call may go: it will be the probe')
  const probe = permit(breaker.admit())
  t.equal(probe.probe, true)
  advance(50)
  const refused = breaker.admit()
  t.notOk('probe' in refused, 'one probe at a time')
  t.match(refused, { retryAfterMs: 150, reason: /a probe is under way/ })
  breaker.record(probe, 'failure', 'GET /listings/2 → no response in time')
  t.equal(breaker.state(), 'open', 'the failed probe opens it again')
  t.match(breaker.check(), { retryAfterMs: 500 })

  advance(500)
  const aborted = permit(breaker.admit())
  breaker.record(aborted, 'neutral')
  t.equal(breaker.state(), 'half_open', 'an aborted probe decides nothing')
  const second = permit(breaker.admit())
  t.equal(second.probe, true, 'the next call is the probe')
  breaker.record(second, 'success')
  t.equal(breaker.state(), 'closed')
  t.equal(permit(breaker.admit()).probe, false)
  t.ok(lines.some((l) => /hostaway circuit breaker closed/.test(l)))
})

t.test('attempts admitted before it opened: their failures change nothing, a success closes it', async (t) => {
  const { breaker, advance } = setup({ threshold: 2, openMs: 500 })
  const late = [permit(breaker.admit()), permit(breaker.admit())]
  fail(breaker)
  fail(breaker)
  advance(100)
  breaker.record(late[0], 'failure', 'late')
  t.match(breaker.check(), { retryAfterMs: 400 }, 'a straggler does not push the probe back')
  breaker.record(late[1], 'success')
  t.equal(breaker.state(), 'closed', 'an answer is proof of life')
})

t.test('refusedError: nothing sent → upstream_error (or the given type), retryable with the probe time', async (t) => {
  const refusal = { retryAfterMs: 1234.2, reason: 'Hostaway is failing (…); circuit breaker open' }
  const fresh = refusedError('PUT /listings/4', refusal)
  t.match(fresh, { error_type: 'upstream_error', retryable: true, retry_after_ms: 1235, attempts: 0, status_code: null })
  t.equal(fresh.message, 'PUT /listings/4 was not sent: Hostaway is failing (…); circuit breaker open')
  t.match(refusedError('GET /listings/4', refusal, 'unprocessed'), { error_type: 'unprocessed', attempts: 0 })
})
