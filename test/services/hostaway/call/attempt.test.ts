import t from 'tap'
import pino from 'pino'
import { createAttemptRunner, type AttemptPolicy } from '../../../../services/hostaway/call/attempt.js'
import { createBreaker, type Breaker } from '../../../../services/hostaway/call/breaker.js'
import type { AttemptOutcome, UpstreamHttp } from '../../../../services/hostaway/call/http.js'
import { createMemoryRateLimiter, LimiterClosedError } from '../../../../services/limiter/limiter.js'
import { AdmissionRefused } from '../../../../services/limiter/admission.js'
import { GatewayError } from '../../../../services/errors.js'
import { failure } from '../fixtures.js'
import { NO_TELEMETRY } from '../../../../services/telemetry.js'

// The attempt loop with a scripted upstream: how the breaker, the limiter and the token step meet.

const log = pino({ level: 'silent' })
const POLICY: AttemptPolicy = { timeoutMs: 1000, maxRetries: 5, retryBaseMs: 60_000, retryMaxDelayMs: 60_000, rateWindowMs: 1000 }
const FAIL: AttemptOutcome = { kind: 'response', status: 503, body: 'busy' }
const OK: AttemptOutcome = { kind: 'response', status: 200, body: { ok: true } }

function setup (t: { teardown: (fn: () => unknown) => void }, opts: { cap?: number, threshold?: number, breaker?: Pick<Breaker, 'check' | 'admit' | 'record' | 'openSignal'> } = {}) {
  const script: Array<AttemptOutcome | Promise<AttemptOutcome>> = []
  let sent = 0
  const http: Pick<UpstreamHttp, 'send'> = {
    async send () {
      sent++
      return await (script.shift() ?? OK)
    }
  }
  const limiter = createMemoryRateLimiter({ telemetry: NO_TELEMETRY, limits: [{ name: 'ip', max: opts.cap ?? 100 }], windowMs: 60_000 })
  t.teardown(() => limiter.close())
  const breaker = opts.breaker ?? createBreaker({ telemetry: NO_TELEMETRY, settings: { threshold: opts.threshold ?? 2, windowMs: 60_000, openMs: 60_000, probeTimeoutMs: 1000 }, log, now: () => performance.now() })
  // full jitter at random() = 1: every backoff is a minute, so only the breaker can end one early
  const { run } = createAttemptRunner({ telemetry: NO_TELEMETRY, http, limiter, breaker, policy: POLICY, log, random: () => 1 })
  const get = (id: number, extra: { prepare?: () => Promise<void>, request?: () => { method: 'GET', path: string } | undefined } = {}) => run({
    method: 'GET',
    label: `GET /listings/${id}`,
    endpoint: 'listing',
    signal: new AbortController().signal,
    request: extra.request ?? (() => ({ method: 'GET', path: `listings/${id}` })),
    prepare: extra.prepare,
    accept: (o) => o.kind === 'response' && o.status === 200 ? o.body : undefined,
    secrets: () => []
  })
  return { script, sent: () => sent, limiter, get }
}

t.test('a retry waiting in backoff ends when the breaker opens; later calls fail at once without a slot', async (t) => {
  const { script, sent, limiter, get } = setup(t, { threshold: 2 })
  script.push(FAIL, FAIL)
  const first = failure(get(1)) // fails, then sleeps a minute before its retry
  const second = failure(get(2)) // its failure is the second in a row: the breaker opens
  const [a, b] = await Promise.all([first, second])
  t.equal(sent(), 2, 'no retry was sent')
  for (const err of [a, b]) {
    t.match(err, { error_type: 'upstream_error', status_code: 503, retryable: true, attempts: 1 })
    t.match(err.message, /→ HTTP 503: busy; not retried: Hostaway is failing \(2 failures in a row, the last: GET \/listings\/\d → HTTP 503\); circuit breaker open$/)
    t.ok((err.retry_after_ms ?? 0) > 50_000, 'retry after the open period')
  }
  const acquired = limiter.stats().acquired
  const refused = await failure(get(3))
  t.match(refused, { error_type: 'upstream_error', status_code: null, retryable: true, attempts: 0 })
  t.match(refused.message, /^GET \/listings\/3 was not sent: Hostaway is failing/)
  t.equal(limiter.stats().acquired, acquired, 'no rate-limit slot taken')
  t.equal(sent(), 2)
})

t.test('calls waiting for a rate-limit slot fail as soon as the breaker opens', async (t) => {
  const { script, sent, limiter, get } = setup(t, { cap: 1, threshold: 1 })
  let answer: (o: AttemptOutcome) => void = () => {}
  script.push(new Promise<AttemptOutcome>((resolve) => { answer = resolve }))
  const first = failure(get(1))
  const waiting = [failure(get(2)), failure(get(3))]
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(limiter.stats().queued, 2, 'two calls wait a minute for the next slot')
  answer({ kind: 'network', code: 'ECONNREFUSED' })
  t.match(await first, { error_type: 'network_error', attempts: 1 })
  for (const err of await Promise.all(waiting)) t.match(err, { error_type: 'upstream_error', attempts: 0, retryable: true })
  t.equal(limiter.stats().queued, 0)
  t.equal(limiter.stats().acquired, 1)
  t.equal(sent(), 1)
})

t.test('a slot that cannot be used is given back: the breaker refused after the grant, or the request is not ready', async (t) => {
  let admits = 0
  const refusing: Pick<Breaker, 'check' | 'admit' | 'record' | 'openSignal'> = {
    check: () => undefined,
    admit: () => { admits++; return { retryAfterMs: 500, reason: 'opened meanwhile' } },
    record: () => {},
    openSignal: () => new AbortController().signal
  }
  const refused = setup(t, { breaker: refusing })
  t.match(await failure(refused.get(1)), { error_type: 'upstream_error', attempts: 0, retry_after_ms: 500, message: 'GET /listings/1 was not sent: opened meanwhile' })
  t.equal(admits, 1)
  t.match(refused.limiter.stats(), { acquired: 1, released: 1, in_window: 0 })
  t.equal(refused.sent(), 0)

  // the token was dropped between the slot and the send: give the slot back, wait for a token again
  const { sent, limiter, get } = setup(t)
  let prepared = 0
  let ready = false
  const value = await get(2, {
    prepare: async () => { prepared++ },
    request: () => {
      const now = ready
      ready = true
      return now ? { method: 'GET', path: 'listings/2' } : undefined
    }
  })
  t.same(value, { ok: true })
  t.equal(prepared, 2, 'back to prepare once')
  t.equal(sent(), 1)
  t.match(limiter.stats(), { acquired: 2, released: 1, in_window: 1 })
})

t.test('a write sent once is never reported "not sent", whatever stops its retry (one rule: stoppedError)', async (t) => {
  const TIMED_OUT: AttemptOutcome = { kind: 'timeout' }
  const redisDown = () => GatewayError.unprocessed(undefined, 'the shared state (Redis at /tmp/r.sock) is unavailable: connection lost', 1000)
  // each stop, on the second pass through the loop (the retry), after the first attempt timed out
  const stops: Record<string, { acquire?: () => Promise<void>, prepare?: () => Promise<void>, why: RegExp }> = {
    'Redis unavailable (the shared budget)': { acquire: async () => { throw redisDown() }, why: /not retried: the shared state \(Redis at .*\) is unavailable/ },
    'no access token': { prepare: async () => { throw redisDown() }, why: /not retried: the shared state/ },
    'admission refused (its turn would come too late)': { acquire: async () => { throw new AdmissionRefused('deadline', 4000, 'no rate-limit slot in time: its turn would come in about 4000 ms') }, why: /not retried: no rate-limit slot in time/ },
    'the limiter closed': { acquire: async () => { throw new LimiterClosedError() }, why: /not retried: the rate limiter is closed/ },
    'a bug in a dependency': { acquire: async () => { throw new TypeError('boom') }, why: /not retried: internal error in the Hostaway client/ }
  }
  for (const [name, stop] of Object.entries(stops)) {
    let passes = 0
    let sent = 0
    const limiter = createMemoryRateLimiter({ telemetry: NO_TELEMETRY, limits: [{ name: 'ip', max: 100 }], windowMs: 60_000 })
    t.teardown(() => limiter.close())
    const acquire = limiter.acquire.bind(limiter)
    const breaker = createBreaker({ telemetry: NO_TELEMETRY, settings: { threshold: 10, windowMs: 60_000, openMs: 60_000, probeTimeoutMs: 1000 }, log, now: () => performance.now() })
    const { run } = createAttemptRunner({
      telemetry: NO_TELEMETRY,
      http: { async send () { sent++; return TIMED_OUT } },
      limiter: { ...limiter, nextSlotInMs: () => 0, acquire: async (s, o) => { if (passes > 1 && stop.acquire !== undefined) await stop.acquire(); return await acquire(s, o) } },
      breaker,
      policy: POLICY,
      log,
      // no backoff: the retry comes at once
      random: () => 0
    })
    const err = await failure(run({
      method: 'PUT',
      label: 'PUT /listings/3',
      endpoint: 'listing_update',
      signal: new AbortController().signal,
      admission: { share: 'c', lane: 'batch' },
      prepare: async () => { passes++; if (passes > 1 && stop.prepare !== undefined) await stop.prepare() },
      request: () => ({ method: 'PUT', path: 'listings/3', json: { price: 1 } }),
      accept: () => undefined,
      secrets: () => []
    }))
    t.equal(sent, 1, `${name}: the retry was not sent`)
    t.match(err, { error_type: 'outcome_unknown', attempts: 1, retryable: true }, `${name}: outcome_unknown, 1 attempt, never unprocessed`)
    t.match(err.message, /^PUT \/listings\/3 → no response within 1000 ms; the write may or may not have been applied; /, `${name}: the attempt's own outcome`)
    t.match(err.message, stop.why, `${name}: and why it was not retried`)
  }
})
