import t from 'tap'
import { GatewayError } from '../../../../services/errors.js'
import { MAX_DETAIL_LENGTH, abortedError, backoffMs, classifyOutcome, stoppedError, upstreamDetail, type CallContext } from '../../../../services/hostaway/call/classify.js'
import { abortError, abortMessage, linkSignals, raceSignal, sleep } from '../../../../services/abort.js'
import type { HttpMethod } from '../../../../services/hostaway/call/http.js'
import { scrub } from '../../../../services/redact.js'

function ctx (method: HttpMethod = 'GET', attempts = 1): CallContext {
  return {
    method,
    label: `${method} /listings/1`,
    attempts,
    timeoutMs: 1000,
    rateLimitRetryAfterMs: () => 1234,
    secrets: () => ['s3cr3t-value', 'tok-abcdef']
  }
}

const res = (status: number, body: unknown = { status: 'fail', message: 'nope' }) => ({ kind: 'response' as const, status, body })

t.test('HTTP statuses map to the error taxonomy', async (t) => {
  const cases: Array<[number, string, boolean, boolean]> = [
    // status, error_type of a read, retry (internally), retryable (for the caller)
    // an upstream 4xx on a read other than 404 (or refused credentials) is never the caller's fault
    [400, 'upstream_error', false, false],
    [422, 'upstream_error', false, false],
    [401, 'upstream_auth', false, false],
    [403, 'upstream_auth', false, false],
    [404, 'not_found', false, false],
    [409, 'upstream_error', false, false],
    [408, 'timeout', true, true],
    [429, 'rate_limit', true, true],
    [500, 'upstream_error', true, true],
    [502, 'upstream_error', true, true],
    [503, 'upstream_error', true, true],
    [504, 'upstream_error', true, true],
    [501, 'upstream_error', false, true],
    [405, 'upstream_error', false, false],
    [302, 'upstream_error', false, false]
  ]
  for (const [status, type, retry, retryable] of cases) {
    const c = classifyOutcome(res(status), ctx())
    t.equal(c.error.error_type, type, `${status} → ${type}`)
    t.equal(c.retry, retry, `${status} retried: ${retry}`)
    t.equal(c.error.retryable, retryable, `${status} retryable: ${retryable}`)
    t.equal(c.error.status_code, status)
    t.equal(c.error.attempts, 1)
  }
  t.equal(classifyOutcome(res(429), ctx()).error.retry_after_ms, 1234)
  t.equal(classifyOutcome(res(404, { status: 'fail', result: 'Listing not found' }), ctx()).error.message, 'GET /listings/1 → HTTP 404: Listing not found')
  t.equal(classifyOutcome(res(500, ''), ctx('GET', 3)).error.message, 'GET /listings/1 → HTTP 500: Internal Server Error (after 3 attempts)')
})

t.test('a write the upstream refuses is the item\'s validation_error or conflict', async (t) => {
  t.equal(classifyOutcome(res(400), ctx('PUT')).error.error_type, 'validation_error')
  t.equal(classifyOutcome(res(422), ctx('PUT')).error.error_type, 'validation_error')
  t.equal(classifyOutcome(res(409), ctx('PUT')).error.error_type, 'conflict')
  t.equal(classifyOutcome(res(404), ctx('PUT')).error.error_type, 'not_found')
  t.equal(classifyOutcome(res(400), ctx('GET')).error.message, 'GET /listings/1 → HTTP 400: nope')
})

t.test('2xx without a success envelope is an upstream_error worth retrying', async (t) => {
  const fail = classifyOutcome(res(200, { status: 'fail', result: 'Something broke' }), ctx())
  t.equal(fail.error.error_type, 'upstream_error')
  t.equal(fail.retry, true)
  t.match(fail.error.message, /status "fail": Something broke/)
  const odd = classifyOutcome(res(200, 'not an envelope'), ctx())
  t.match(odd.error.message, /unexpected response body/)
  const bad = classifyOutcome({ kind: 'bad_body', status: 200 }, ctx())
  t.equal(bad.error.error_type, 'upstream_error')
  t.match(bad.error.message, /not valid JSON/)
})

t.test('timeouts and network errors depend on the method', async (t) => {
  t.equal(classifyOutcome({ kind: 'timeout' }, ctx('GET')).error.error_type, 'timeout')
  const put = classifyOutcome({ kind: 'timeout' }, ctx('PUT')).error
  t.equal(put.error_type, 'outcome_unknown')
  t.equal(put.retryable, true)
  const post = classifyOutcome({ kind: 'timeout' }, ctx('POST')).error
  t.equal(post.error_type, 'outcome_unknown')
  t.equal(post.retryable, false)
  t.equal(classifyOutcome({ kind: 'network', code: 'ECONNRESET' }, ctx('POST')).error.retryable, false, 'a reset POST may have been applied')
  t.equal(classifyOutcome({ kind: 'network', code: 'ECONNREFUSED' }, ctx('POST')).error.retryable, true, 'a refused POST was never sent')
  t.equal(classifyOutcome(res(408), ctx('PUT')).error.error_type, 'outcome_unknown')
  t.equal(classifyOutcome(res(500), ctx('POST')).error.retryable, false)
})

t.test('aborts: unprocessed before sending, then timeout or outcome_unknown', async (t) => {
  const never = abortedError(ctx('PUT', 0), 'aborted', 50)
  t.equal(never.error_type, 'unprocessed')
  t.equal(never.retryable, true)
  t.equal(never.retry_after_ms, 50)
  t.equal(never.attempts, 0)
  t.equal(abortedError(ctx('GET', 2), 'aborted', null).error_type, 'timeout')
  t.equal(abortedError(ctx('PUT', 1), 'aborted', null).error_type, 'outcome_unknown')
  t.equal(abortedError(ctx('PUT', 1), 'aborted', null).retryable, true)
  t.equal(abortedError(ctx('POST', 1), 'aborted', null).retryable, false)
  const copy = never.withAttempts(3)
  t.equal(copy.attempts, 3)
  t.equal(copy.error_type, 'unprocessed')
  t.not(copy, never)
})

t.test('stoppedError: a call stopped by the gateway is "not sent" only when nothing was sent', async (t) => {
  const unsent = GatewayError.unprocessed('PUT /listings/4', 'no budget', 1000)
  t.equal(stoppedError(ctx('PUT', 0), unsent, 'no budget'), unsent, 'nothing sent: the refusal as it is')

  const timedOut = GatewayError.classified('PUT /listings/4 → no response within 10 ms; the write may or may not have been applied', { status_code: null, error_type: 'outcome_unknown', retryable: true, attempts: 1 })
  const kept = stoppedError(ctx('PUT', 1), unsent, 'no budget', timedOut)
  t.match(kept, { error_type: 'outcome_unknown', retryable: true, retry_after_ms: 1000, attempts: 1, status_code: null })
  t.equal(kept.message, 'PUT /listings/4 → no response within 10 ms; the write may or may not have been applied; not retried: no budget')

  const answered = GatewayError.classified('PUT /listings/4 → HTTP 502: Bad Gateway', { status_code: 502, error_type: 'upstream_error', retryable: true, attempts: 2 })
  t.match(stoppedError(ctx('PUT', 2), unsent, 'no budget', answered), { error_type: 'upstream_error', status_code: 502, attempts: 2 }, 'an answered failure is kept')

  const noAnswer = stoppedError(ctx('PUT', 1), unsent, 'no budget')
  t.match(noAnswer, { error_type: 'outcome_unknown', attempts: 1, retry_after_ms: 1000 }, 'sent without a failed answer to go by: outcome unknown')
  t.match(noAnswer.message, /^PUT \/listings\/1 → no answer: no budget; the write may or may not have been applied$/)
  t.match(stoppedError(ctx('GET', 1), unsent, 'no budget'), { error_type: 'timeout', attempts: 1 }, 'a read: timeout')
})

t.test('upstream text is scrubbed and truncated', async (t) => {
  t.equal(upstreamDetail({ message: 'bad Bearer abc.def.ghi here' }), 'bad Bearer [redacted] here')
  t.equal(upstreamDetail({ result: 'token eyJhbGciOi.eyJzdWIiOi.sig leaked' }), 'token [redacted] leaked')
  t.equal(upstreamDetail({ message: 'secret is s3cr3t-value' }, ['s3cr3t-value']), 'secret is [redacted]')
  t.equal(upstreamDetail({ result: 'x'.repeat(500) })?.length, MAX_DETAIL_LENGTH)
  t.match(upstreamDetail({ result: 'x'.repeat(500) }), /…$/, 'a cut text says so')
  t.equal(upstreamDetail({ result: [1, 2] }), undefined)
  t.equal(upstreamDetail('  multi\n line  '), 'multi line')
  t.equal(upstreamDetail('   '), undefined)
  t.equal(upstreamDetail(null), undefined)
  t.equal(scrub('no secrets here', [undefined, 'ab']), 'no secrets here', 'secrets shorter than 4 chars are ignored')
  const msg = classifyOutcome(res(400, { status: 'fail', message: 'tok-abcdef is invalid' }), ctx()).error.message
  t.notMatch(msg, /tok-abcdef/)
})

t.test('an upstream HTML error page is summarized: status and a short reason, no markup', async (t) => {
  const page = '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>502 Bad Gateway</title>' +
    '<style>body { color: red }</style><script>var token = "x"</script></head>' +
    `<body><center><h1>502 Bad Gateway</h1></center><hr><center>cloudflare</center>${'<p>padding</p>'.repeat(400)}</body></html>`
  const err = classifyOutcome(res(502, page), ctx('GET', 4)).error
  t.equal(err.message, 'GET /listings/1 → HTTP 502: 502 Bad Gateway (after 4 attempts)')
  t.equal(err.error_type, 'upstream_error')

  const untitled = upstreamDetail('<html><body><h1>Service &amp; API down</h1><!-- node 7 --><p>Try <b>later</b></p></body></html>')
  t.equal(untitled, 'Service & API down Try later', 'the text of a page without a title, entities decoded')
  const long = upstreamDetail(`<html><body>${'<div>maintenance window in progress</div>'.repeat(200)}</body></html>`) ?? ''
  t.ok(long.length <= MAX_DETAIL_LENGTH, `bounded (${long.length} characters)`)
  t.notMatch(long, /[<>]/, 'no markup left')
  t.equal(upstreamDetail({ message: '<b>Invalid</b> listing' }), 'Invalid listing', 'markup inside a JSON message too')
  t.equal(upstreamDetail('price < 5 and > 1'), 'price < 5 and > 1', 'a text with angle brackets that is not markup is kept')
})

t.test('full-jitter backoff stays within [0, min(max, base * 2^n))', async (t) => {
  t.equal(backoffMs(0, 100, 5000, () => 0), 0)
  t.equal(backoffMs(0, 100, 5000, () => 0.999), 99)
  t.equal(backoffMs(3, 100, 5000, () => 0.5), 400)
  t.equal(backoffMs(10, 100, 5000, () => 0.5), 2500, 'capped')
  for (let i = 0; i < 100; i++) {
    const d = backoffMs(2, 50, 1000)
    t.ok(d >= 0 && d < 200)
  }
})

const isAbortError = (err: unknown) => err instanceof Error && err.name === 'AbortError'

t.test('abortable helpers', async (t) => {
  const ac = new AbortController()
  const p = sleep(10000, ac.signal)
  ac.abort()
  t.ok(isAbortError(await p.catch((e: unknown) => e)))
  t.ok(isAbortError(await sleep(1, AbortSignal.abort()).catch((e: unknown) => e)))
  await sleep(0)

  const a = new AbortController()
  const b = new AbortController()
  const linked = linkSignals(a.signal, b.signal)
  b.abort(new Error('b'))
  t.equal(linked.signal.aborted, true)
  t.equal((linked.signal.reason as Error).message, 'b')
  linked.dispose()
  t.equal(linkSignals(a.signal).signal, a.signal)
  t.equal(linkSignals(a.signal, AbortSignal.abort()).signal.aborted, true)

  t.equal(await raceSignal(Promise.resolve(1)), 1)
  t.equal(await raceSignal(Promise.resolve(2), new AbortController().signal), 2)
  t.ok(isAbortError(await raceSignal(new Promise(() => {}), AbortSignal.abort()).catch((e: unknown) => e)))
  await t.rejects(raceSignal(Promise.reject(new Error('x')), new AbortController().signal), /x/)
})

t.test('abort messages say why: our reasons verbatim, anything else as "aborted"', async (t) => {
  const ours = new AbortController()
  ours.abort(abortError('the batch deadline of 300 ms passed'))
  t.equal(abortMessage(ours.signal), 'the batch deadline of 300 ms passed')
  t.equal(abortMessage(AbortSignal.abort()), 'aborted', 'a plain abort()')
  const timedOut = AbortSignal.timeout(1)
  await sleep(5)
  t.equal(abortMessage(timedOut), 'aborted', 'AbortSignal.timeout')
  const err = abortedError(ctx('GET', 0), `${abortMessage(ours.signal)} while waiting for a rate-limit slot`, null)
  t.equal(err.message, 'GET /listings/1 was not sent: the batch deadline of 300 ms passed while waiting for a rate-limit slot')
})
