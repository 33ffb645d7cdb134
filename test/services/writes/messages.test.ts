import { createHash } from 'node:crypto'
import { test } from 'tap'
import { Value } from '@sinclair/typebox/value'
import { BatchMessagesBodySchema, MAX_BATCH_MESSAGES } from '../../../schemas/writes.js'
import {
  bookingsWithoutConversation, brokenMessageRule, checkBeforeResending, classifySendAttempt, conversationsByReservation, messageAudit,
  messageOperationId, repeatedMessages, type SendAttempt
} from '../../../services/writes/messages.js'

const ctx = { bookingId: 12, conversationId: 1012, attempts: 1, maxAttempts: 3 }

test('the never-twice rule: a send that may have reached Hostaway is never retried', async (t) => {
  const unknown: SendAttempt[] = [
    { kind: 'timeout' },
    { kind: 'network', code: 'ECONNRESET' },
    { kind: 'network', code: 'EPIPE' },
    { kind: 'response', status: 500, body: { status: 'fail', message: 'Internal Server Error' } },
    { kind: 'response', status: 502, body: '<html>Bad Gateway</html>' },
    { kind: 'response', status: 503, body: '<html>Service Temporarily Unavailable</html>' },
    { kind: 'response', status: 504, body: '' },
    { kind: 'response', status: 408, body: '' },
    { kind: 'response', status: 200, body: { status: 'fail', result: 'An error occurred' } },
    { kind: 'response', status: 200, body: 'ok' },
    { kind: 'bad_body', status: 200 },
    { kind: 'aborted', sent: true, reason: 'the batch deadline passed' }
  ]
  for (const attempt of unknown) {
    const d = classifySendAttempt(attempt, ctx)
    t.match(d, { kind: 'failed', error_type: 'outcome_unknown', retryable: false }, JSON.stringify(attempt))
    if (d.kind === 'failed') {
      t.equal(d.remediation, checkBeforeResending(12, 1012))
      t.match(d.message, /^POST \/conversations\/1012\/messages → .*; the message may have been delivered, so it is not sent again$/)
    }
  }
  t.match(checkBeforeResending(12, 1012), /check conversation 1012 \(GET \/api\/bookings\/12\/messages\) before resending/)
  // even on the first attempt with attempts to spare
  t.match(classifySendAttempt({ kind: 'timeout' }, { ...ctx, attempts: 1, maxAttempts: 10 }), { kind: 'failed', error_type: 'outcome_unknown' })
})

test('a send that certainly did not reach Hostaway may be retried, within the attempts', async (t) => {
  t.match(classifySendAttempt({ kind: 'response', status: 429, body: { status: 'fail', message: 'limit' } }, ctx), { kind: 'retry', why: /rate limited/ })
  t.match(classifySendAttempt({ kind: 'network', code: 'ECONNREFUSED' }, ctx), { kind: 'retry', why: /ECONNREFUSED before sending/ })
  t.match(classifySendAttempt({ kind: 'response', status: 403, body: {} }, ctx), { kind: 'retry', why: /token was refused/ })
  const last = { ...ctx, attempts: 3 }
  t.match(classifySendAttempt({ kind: 'response', status: 429, body: {} }, last), { kind: 'failed', error_type: 'rate_limit', status_code: 429, retryable: true })
  t.match(classifySendAttempt({ kind: 'network', code: 'ENOTFOUND' }, last), { kind: 'failed', error_type: 'network_error', retryable: true })
  t.match(classifySendAttempt({ kind: 'response', status: 401, body: {} }, last), { kind: 'failed', error_type: 'upstream_auth', retryable: false })
  t.match(classifySendAttempt({ kind: 'not_started', reason: 'the batch deadline passed' }, { ...ctx, attempts: 0 }), { kind: 'failed', error_type: 'unprocessed', retryable: true, remediation: /safe/ })
  t.match(classifySendAttempt({ kind: 'aborted', sent: false, reason: 'closing' }, { ...ctx, attempts: 0 }), { kind: 'failed', error_type: 'unprocessed' })
})

test('definite answers: sent, or refused by Hostaway', async (t) => {
  t.same(classifySendAttempt({ kind: 'response', status: 200, body: { status: 'success', result: { id: 5 } } }, ctx), { kind: 'sent' })
  t.match(classifySendAttempt({ kind: 'response', status: 404, body: { status: 'fail', message: 'Conversation not found' } }, ctx), { kind: 'failed', error_type: 'not_found', status_code: 404, retryable: false })
  t.match(classifySendAttempt({ kind: 'response', status: 400, body: {} }, ctx), { kind: 'failed', error_type: 'validation_error', retryable: false })
  t.match(classifySendAttempt({ kind: 'response', status: 418, body: {} }, ctx), { kind: 'failed', error_type: 'upstream_error', retryable: false })
})

test('per-item rules and repeats in one batch', async (t) => {
  t.equal(brokenMessageRule({ booking_id: 1, body: ' \n\t' }), 'body must not be blank')
  t.equal(brokenMessageRule({ booking_id: 1, body: 'Hi' }), undefined)
  const problems = repeatedMessages([
    { booking_id: 1, body: 'Welcome!' },
    { booking_id: 2, body: 'Welcome!' },
    { booking_id: 1, body: 'Welcome!', communication_type: 'sms' },
    { booking_id: 1, body: 'Welcome! ' },
    { booking_id: 1, body: 'Welcome!' }
  ])
  t.same(Object.fromEntries(problems), {
    2: 'messages/2 repeats messages/0: the same body to booking 1; a message is sent once',
    4: 'messages/4 repeats messages/0: the same body to booking 1; a message is sent once'
  })
  t.equal(messageOperationId({ booking_id: 9 }), '9')
})

test('the audit keeps the length and hash of a body, never the body', async (t) => {
  const body = 'Hi Ana — check-in from 15:00 🙂'
  const audit = messageAudit(body)
  t.equal(body.length, 31, 'UTF-16 units: the emoji is two')
  t.same(audit, { body_length: 30, body_sha256: createHash('sha256').update(body).digest('hex') }, 'characters: the emoji is one')
  t.notOk(JSON.stringify(audit).includes('check-in'))
  t.not(messageAudit('a').body_sha256, messageAudit('b').body_sha256)
})

test('conversations by reservation, from list pages', async (t) => {
  const found = conversationsByReservation([
    { id: 1001, reservationId: 1 },
    { id: 1004, reservationId: '4' },
    { id: 2004, reservationId: 4 },
    { id: 1500, reservationId: null },
    { id: 1600 }
  ])
  t.same([...found], [[1, 1001], [4, 2004]], 'a string id counts; the newest of several; none without a reservation')
  t.same(bookingsWithoutConversation([1, 2, 999999, 4, 2], found), [2, 999999])
})

test('the body schema: 1..100 messages, a type of Hostaway\'s, dry_run', async (t) => {
  t.ok(Value.Check(BatchMessagesBodySchema, { messages: [{ booking_id: 1, body: 'Hi', communication_type: 'whatsapp' }], dry_run: false }))
  t.notOk(Value.Check(BatchMessagesBodySchema, { messages: [{ booking_id: 1, body: 'Hi', communication_type: 'pigeon' }] }))
  t.notOk(Value.Check(BatchMessagesBodySchema, { messages: [{ booking_id: 1, body: '' }] }))
  t.notOk(Value.Check(BatchMessagesBodySchema, { messages: Array.from({ length: MAX_BATCH_MESSAGES + 1 }, (_, i) => ({ booking_id: i + 1, body: 'x' })) }))
})
