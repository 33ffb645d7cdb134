// The gateway's one error type: each named constructor holds the rules of its kind of error.
import { test } from 'tap'
import { GatewayError } from '../../services/errors.js'

test('unprocessed: nothing was sent, safe to resend; the reason is kept, not parsed back out of the message', async (t) => {
  const call = GatewayError.unprocessed('GET /listings', 'the rate limiter is closed', 250)
  t.equal(call.message, 'GET /listings was not sent: the rate limiter is closed')
  t.match(call, { status_code: null, error_type: 'unprocessed', retryable: true, retry_after_ms: 250, attempts: 0 })
  t.same(call.unsent, { subject: 'GET /listings', reason: 'the rate limiter is closed' })
  const item = GatewayError.unprocessed(undefined, 'the job was cancelled before this item started')
  t.equal(item.message, 'Not sent: the job was cancelled before this item started')
  t.equal(item.retry_after_ms, null)
  t.same(item.unsent, { subject: undefined, reason: 'the job was cancelled before this item started' })
})

test('refused: retryable, the hint rounded up to at least 1 ms, with the refusal\'s error type', async (t) => {
  t.match(GatewayError.refused('PUT /listings/3', 'the circuit breaker is open', 0.2), {
    message: 'PUT /listings/3 was not sent: the circuit breaker is open', error_type: 'upstream_error', retryable: true, retry_after_ms: 1, attempts: 0
  })
  t.match(GatewayError.refused(undefined, 'the circuit breaker is open', 1500.5, 'rate_limit'), { message: 'the circuit breaker is open', error_type: 'rate_limit', retry_after_ms: 1501 })
})

test('outcomeUnknown, notFound, invalid, internal: the fixed fields of each kind', async (t) => {
  t.match(GatewayError.outcomeUnknown('PUT /listings/3 → no answer', { attempts: 2, retryable: true }), { status_code: null, error_type: 'outcome_unknown', retryable: true, attempts: 2 })
  t.match(GatewayError.notFound('GET /listings/9 → HTTP 404'), { status_code: 404, error_type: 'not_found', retryable: false, attempts: 0 })
  t.match(GatewayError.notFound('booking 4 has no conversation', { status_code: null, attempts: 1 }), { status_code: null, attempts: 1 })
  t.match(GatewayError.invalid('updates/0/price must be > 0'), { status_code: null, error_type: 'validation_error', retryable: false, attempts: 0 })
  const cause = new Error('boom')
  const internal = GatewayError.internal('GET /listings: internal error', cause)
  t.match(internal, { error_type: 'internal_error', retryable: false })
  t.equal(internal.cause, cause)
  t.equal(internal.unsent, undefined)
})

test('withAttempts: a copy with another count, everything else (the unsent reason too) kept', async (t) => {
  const shared = GatewayError.unprocessed(undefined, 'the shared state is unavailable', 1000)
  const copy = shared.withAttempts(3)
  t.not(copy, shared)
  t.equal(copy.attempts, 3)
  t.equal(shared.attempts, 0, 'the original is untouched')
  t.match(copy, { message: shared.message, error_type: 'unprocessed', retryable: true, retry_after_ms: 1000, unsent: shared.unsent })
  t.ok(copy instanceof GatewayError)
})
