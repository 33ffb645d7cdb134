// executeBatch: the original scenarios of the task list plus concurrency, deadline, dedupe, plans and a property test.
import { test } from 'tap'
import fc from 'fast-check'
import { unfinished, unsentResult } from '../../../services/batch/results.js'
import { eachOf, executeBatch as run, type BatchOptions, type Operation } from '../../../services/batch/run.js'
import { GatewayError } from '../../../services/errors.js'
import { sleep as abortableSleep } from '../../../services/abort.js'
import { abortedError } from '../../../services/hostaway/call/classify.js'
import type { ErrorType } from '../../../schemas/common.js'
import { sandbox } from '../../helper.js'
import { testClient } from '../hostaway/fixtures.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const silent = { warn () {} }
const options = (over: Partial<BatchOptions> = {}): BatchOptions => ({ concurrency: 8, timeoutMs: 30_000, logger: silent, secrets: [], ...over })
/** A batch of per-item operations, one per position. */
const executeBatch = async <T>(operations: Array<Operation<T>>, operationIds: Array<string | number>, opts: BatchOptions<T>) => (await run(operationIds, eachOf(operations), opts)).response
const ids = (n: number) => Array.from({ length: n }, (_, i) => `op_${i}`)

/** An operation behaving like a client read: one attempt, answered after `ms`, classified when aborted. */
const read = (ms: number): Operation<number> => async ({ signal, onAttempt }) => {
  onAttempt()
  try {
    await abortableSleep(ms, signal)
  } catch {
    throw abortedError({ method: 'GET', label: 'GET /listings/1', attempts: 1 }, (signal.reason as Error).message, null)
  }
  return ms
}

test('all success', async (t) => {
  const op = async () => ({ status: 'success', id: 123 })
  const r = await executeBatch([op, op, op], ids(3), options())
  t.equal(r.total_count, 3)
  t.equal(r.success_count, 3)
  t.equal(r.failure_count, 0)
  t.equal(r.has_successes, true)
  t.equal(r.has_failures, false)
  t.same(r.successful.map((s) => s.operation_id), ['op_0', 'op_1', 'op_2'])
})

test('mixed results', async (t) => {
  const success = async () => ({ status: 'success' })
  const failure = async () => { throw new Error('Test failure') }
  const warnings: Array<Record<string, unknown>> = []
  const r = await executeBatch([success, failure, success], ['op_1', 'op_2', 'op_3'], options({
    logger: { warn: (obj: object) => { warnings.push(obj as Record<string, unknown>) } }
  }))
  t.equal(r.total_count, 3)
  t.equal(r.success_count, 2)
  t.equal(r.failure_count, 1)
  t.equal(r.partial_success, true)
  t.equal(r.failed.length, 1)
  t.equal(r.failed[0].operation_id, 'op_2')
  t.match(r.failed[0].error, /Test failure/)
  t.equal(r.failed[0].error_type, 'internal_error')
  t.equal(r.failed[0].index, 1)
  t.equal(warnings.length, 1, 'each failure logged at warn')
  t.match(warnings[0], { operation_id: 'op_2', error: 'Test failure' })
})

test('all failed', async (t) => {
  const failure = async () => { throw new RangeError('Operation failed') }
  const r = await executeBatch([failure, failure], ids(2), options())
  t.equal(r.total_count, 2)
  t.equal(r.success_count, 0)
  t.equal(r.failure_count, 2)
  t.equal(r.has_failures, true)
  t.equal(r.has_successes, false)
  t.equal(r.failed.length, 2)
})

test('preserves order', async (t) => {
  const order: number[] = []
  const tracked = (value: number) => async () => { order.push(value); return { value } }
  const r = await executeBatch([tracked(1), tracked(2), tracked(3)], ids(3), options())
  t.same(order, [1, 2, 3], 'started in request order')
  t.equal(r.success_count, 3)
  t.same(r.successful.map((s) => s.data), [{ value: 1 }, { value: 2 }, { value: 3 }])
})

test('results stay in request order even when later items finish first', async (t) => {
  const ops = [50, 5, 30, 1].map((ms, i) => async () => { await sleep(ms); return i })
  const r = await executeBatch(ops, ids(4), options({ concurrency: 4 }))
  t.same(r.successful.map((s) => s.data), [0, 1, 2, 3])
  t.same(r.successful.map((s) => s.index), [0, 1, 2, 3])
})

test('concurrency is bounded', async (t) => {
  let inFlight = 0
  let peak = 0
  const op = async () => { inFlight++; peak = Math.max(peak, inFlight); await sleep(5); inFlight--; return 1 }
  await executeBatch(Array.from({ length: 20 }, () => op), ids(20), options({ concurrency: 3 }))
  t.equal(peak, 3)
})

test('GatewayError fields are carried into the item', async (t) => {
  const op: Operation<number> = async (ctx) => {
    ctx.onAttempt(); ctx.onAttempt()
    throw GatewayError.classified('GET /listings/7 → HTTP 503', { status_code: 503, error_type: 'upstream_error', retryable: true, retry_after_ms: 1000, attempts: 4 })
  }
  const r = await executeBatch([op], ['7'], options())
  // status_code is what the single-item route would answer: an upstream 503 after retries is a gateway 502
  t.match(r.failed[0], { operation_id: '7', error_type: 'upstream_error', status_code: 502, retryable: true, retry_after_ms: 1000, attempts: 4, success: false, data: null })
  t.type(r.failed[0].remediation, 'string')
})

test('secrets are scrubbed from item errors', async (t) => {
  const op = async () => { throw new Error('failed with Bearer abc.def and s3cret-key') }
  const r = await executeBatch([op], ids(1), options({ secrets: ['s3cret-key'] }))
  t.notMatch(r.failed[0].error, /abc\.def|s3cret-key/)
})

test('deadline: the operations hear why, unstarted items are unprocessed, the operation reports the rest', async (t) => {
  const reasons: string[] = []
  const listen: Operation<number> = async (opts) => {
    opts.signal.addEventListener('abort', () => { reasons.push((opts.signal.reason as Error).message) })
    return await read(300)(opts)
  }
  const r = await executeBatch([read(1), listen, read(300), read(1), read(1)], ids(5), options({ concurrency: 2, timeoutMs: 50 }))
  t.same(r.successful.map((s) => s.index), [0])
  t.same(r.failed.map((f) => [f.index, f.error_type, f.retryable, f.attempts]), [
    [1, 'timeout', true, 1],
    [2, 'timeout', true, 1],
    [3, 'unprocessed', true, 0],
    [4, 'unprocessed', true, 0]
  ])
  t.same(reasons, ['the batch deadline of 50 ms passed'])
  t.equal(r.failed[0].error, 'GET /listings/1 → no answer: the batch deadline of 50 ms passed', "the operation's own message")
  t.equal(r.failed[2].error, 'Not sent: the batch deadline of 50 ms passed before this item started')
  t.equal(r.failed[2].status_code, 503)
})

test('an operation that ignores the deadline is reported, not awaited', async (t) => {
  const stubborn: Operation<number> = async ({ onAttempt }) => { onAttempt(); await sleep(5000); return 1 }
  const started = Date.now()
  const r = await executeBatch([stubborn, read(1)], ids(2), options({ timeoutMs: 30 }))
  const elapsed = Date.now() - started
  t.ok(elapsed < 3000, `answered after ${elapsed} ms, not 5 s`)
  t.match(r.failed[0], { index: 0, error_type: 'internal_error', attempts: 1, retryable: false })
  t.match(r.failed[0].error, /did not stop within 1000 ms after the batch deadline of 30 ms passed/)
  t.same(r.successful.map((s) => s.index), [1])
})

test('an outer abort signal ends the batch like the deadline, with its reason', async (t) => {
  const controller = new AbortController()
  setTimeout(() => controller.abort(new Error('the caller went away')), 20)
  const r = await executeBatch([read(300), read(300)], ids(2), options({ concurrency: 1, signal: controller.signal }))
  t.same(r.failed.map((f) => f.error_type), ['timeout', 'unprocessed'])
  t.match(r.failed[1].error, /the caller went away before this item started/)
  const already = await executeBatch([read(1)], ids(1), options({ signal: AbortSignal.abort(new Error('gone')) }))
  t.equal(already.failed[0].error_type, 'unprocessed')
})

test('with the real client, a deadline shows where each item stopped', async (t) => {
  const sb = await sandbox(t)
  // 2 slots per 5 s: the token and one read go out at once, the rest would wait for the limiter
  const c = testClient(t, sb, { env: { HOSTAWAY_RATE_LIMIT_IP: 3, HOSTAWAY_RATE_WINDOW_MS: 5000, HOSTAWAY_RATE_WINDOW_MARGIN_MS: 0, HOSTAWAY_TOKEN_SETTLE_MS: 0 } })
  await sb.setFaults({ fail_ids: { hang: [1] } })
  // a deadline that leaves the token and the first read time to go out on a loaded machine
  const r = await executeBatch([1, 2, 3].map((id) => (opts) => c.getListing(id, opts)), [1, 2, 3], options({ timeoutMs: 1500 }))
  t.same(r.failed.map((f) => [f.operation_id, f.error_type, f.attempts]), [['1', 'timeout', 1], ['2', 'unprocessed', 0], ['3', 'unprocessed', 0]])
  t.equal(r.failed[0].error, 'GET /listings/1 → no answer: the batch deadline of 1500 ms passed while the request was in flight')
  // the next slot frees in 5 s, past the 1.5 s deadline: refused at once rather than left to wait for the deadline
  t.match(r.failed[1].error, /^GET \/listings\/2 was not sent: no rate-limit slot in time: its turn would come in about \d+ ms, its deadline is in \d+ ms$/)
  t.ok((r.failed[1].retry_after_ms ?? 0) > 1000, 'unprocessed items say when a slot frees up (the predicted wait)')
  t.equal(c.limiter.stats().refused, 2, 'both refused by the limiter, none left to wait')
})

test('dedupe: same id runs once, every position gets its own result', async (t) => {
  let calls = 0
  const op = async () => { calls++; return 'x' }
  const r = await executeBatch([op, op, op], ['5', '6', '5'], options({ dedupe: true }))
  t.equal(calls, 2)
  t.same(r.successful.map((s) => [s.operation_id, s.index]), [['5', 0], ['6', 1], ['5', 2]])
})

test('settled items (a checkpoint, a broken rule) are reported as they are and never run; the others run', async (t) => {
  const ran: string[] = []
  const op = (id: string): Operation<string> => async ({ onAttempt }) => { ran.push(id); onAttempt(); return id }
  const earlier = { success: true, data: 'from before', error: null, operation_id: 'a', index: 0, error_type: null, status_code: null, retryable: false, retry_after_ms: null, remediation: null, attempts: 1 }
  const refused = unsentResult<string>(GatewayError.invalid('updates/2/price must be <= 1000000'), 2, 'c')
  const r = await executeBatch(['a', 'b', 'c', 'd'].map(op), ['a', 'b', 'c', 'd'], options({ settled: [earlier, undefined, refused, undefined] }))
  t.same(ran, ['b', 'd'], 'only the unsettled items ran')
  t.same(r.successful.map((s) => [s.index, s.data, s.attempts]), [[0, 'from before', 1], [1, 'b', 1], [3, 'd', 1]])
  t.match(r.failed, [{ index: 2, error_type: 'validation_error', attempts: 0, error: 'updates/2/price must be <= 1000000' }])
})

test('unfinished: only items never sent and safe to send are run again from a checkpoint', async (t) => {
  const item = (over: Record<string, unknown>) => ({ success: false, data: null, error: 'x', operation_id: '1', index: 0, error_type: 'unprocessed' as const, status_code: 503, retryable: true, retry_after_ms: null, remediation: null, attempts: 0, ...over })
  t.equal(unfinished(item({})), true, 'unprocessed, never sent')
  t.equal(unfinished(item({ error_type: 'upstream_error' })), true, 'refused by the breaker, never sent')
  t.equal(unfinished(item({ error_type: 'outcome_unknown', attempts: 1 })), false, 'sent: never again')
  t.equal(unfinished(item({ error_type: 'validation_error', retryable: false })), false, 'refused by a rule: final')
  t.equal(unfinished(item({ success: true, error_type: null, retryable: false, attempts: 1 })), false, 'a success')
})

test('logs in proportion: one line per failed item that was sent, one line per batch for all those never sent', async (t) => {
  const lines: Array<{ obj: Record<string, unknown>, msg: string }> = []
  const logger = { warn: (obj: object, msg?: string) => { lines.push({ obj: obj as Record<string, unknown>, msg: msg ?? '' }) } }
  const never = (type: ErrorType): Operation<number> => async () => { throw GatewayError.classified(`never sent (${type})`, { status_code: null, error_type: type, retryable: true, attempts: 0 }) }
  const sent: Operation<number> = async ({ onAttempt }) => { onAttempt(); throw GatewayError.classified('sent, 502', { status_code: 502, error_type: 'upstream_error', retryable: true, attempts: 1 }) }
  const operations = [sent, ...Array.from({ length: 50 }, () => never('unprocessed')), never('upstream_error'), sent]
  await executeBatch(operations, ids(operations.length), options({ logger }))
  t.same(lines.map((l) => l.msg), ['batch item failed', 'batch item failed', 'batch items not sent'], '53 failures, 3 lines')
  t.match(lines[2].obj, { count: 51, error_types: { unprocessed: 50, upstream_error: 1 }, first: { index: 1, error: 'never sent (unprocessed)' } })
})

test('property: every input appears exactly once, each list in request order, counts consistent', async (t) => {
  const modes: Array<'ok' | ErrorType | 'throw' | 'hang'> = ['ok', 'not_found', 'upstream_error', 'timeout', 'throw', 'hang']
  await fc.assert(fc.asyncProperty(
    fc.array(fc.record({ id: fc.integer({ min: 1, max: 20 }), mode: fc.constantFrom(...modes), delay: fc.integer({ min: 0, max: 3 }) }), { minLength: 1, maxLength: 30 }),
    fc.integer({ min: 1, max: 6 }),
    fc.boolean(),
    async (items, concurrency, dedupe) => {
      const ops: Array<Operation<number>> = items.map((item) => async (ctx) => {
        if (item.mode === 'hang') return await read(1000)(ctx)
        ctx.onAttempt()
        await sleep(item.delay)
        if (item.mode === 'ok') return item.id
        if (item.mode === 'throw') throw new Error('boom')
        throw GatewayError.classified(item.mode, { status_code: null, error_type: item.mode, retryable: true })
      })
      const r = await executeBatch(ops, items.map((i) => i.id), options({ concurrency, dedupe, timeoutMs: 40 }))
      const indexes = [...r.successful, ...r.failed].map((x) => x.index).sort((a, b) => a - b)
      if (JSON.stringify(indexes) !== JSON.stringify(items.map((_, i) => i))) return false
      const inOrder = (list: Array<{ index: number }>) => list.every((x, i) => i === 0 || list[i - 1].index < x.index)
      if (!inOrder(r.successful) || !inOrder(r.failed)) return false
      if (r.total_count !== items.length || r.success_count + r.failure_count !== r.total_count) return false
      if (r.success_count !== r.successful.length || r.failure_count !== r.failed.length) return false
      if (r.partial_success !== (r.success_count > 0 && r.failure_count > 0)) return false
      return [...r.successful, ...r.failed].every((x) => x.operation_id === String(items[x.index].id))
    }
  ), { numRuns: 60 })
  t.pass('property held for 60 random batches')
})
