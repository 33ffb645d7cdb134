// executeBatch: the original integration tests (T029e) plus concurrency, deadline, dedupe and a property test.
import { test } from 'tap'
import fc from 'fast-check'
import { executeBatch, type Operation } from '../../services/batch.js'
import { HostawayError } from '../../services/errors.js'
import type { ErrorType } from '../../schemas/common.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

test('all success', async (t) => {
  const op = async () => ({ status: 'success', id: 123 })
  const r = await executeBatch([op, op, op])
  t.equal(r.total_count, 3)
  t.equal(r.success_count, 3)
  t.equal(r.failure_count, 0)
  t.equal(r.has_successes, true)
  t.equal(r.has_failures, false)
  t.same(r.successful.map((s) => s.operation_id), ['op_0', 'op_1', 'op_2'], 'default ids op_0, op_1, …')
})

test('mixed results', async (t) => {
  const success = async () => ({ status: 'success' })
  const failure = async () => { throw new Error('Test failure') }
  const warnings: Array<Record<string, unknown>> = []
  const r = await executeBatch([success, failure, success], ['op_1', 'op_2', 'op_3'], {
    logger: { warn: (obj) => warnings.push(obj as Record<string, unknown>) }
  })
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
  const r = await executeBatch([failure, failure])
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
  const r = await executeBatch([tracked(1), tracked(2), tracked(3)])
  t.same(order, [1, 2, 3], 'started in request order')
  t.equal(r.success_count, 3)
  t.same(r.successful.map((s) => s.data), [{ value: 1 }, { value: 2 }, { value: 3 }])
})

test('results stay in request order even when later items finish first', async (t) => {
  const ops = [50, 5, 30, 1].map((ms, i) => async () => { await sleep(ms); return i })
  const r = await executeBatch(ops, undefined, { concurrency: 4 })
  t.same(r.successful.map((s) => s.data), [0, 1, 2, 3])
  t.same(r.successful.map((s) => s.index), [0, 1, 2, 3])
})

test('concurrency is bounded', async (t) => {
  let inFlight = 0
  let peak = 0
  const op = async () => { inFlight++; peak = Math.max(peak, inFlight); await sleep(5); inFlight--; return 1 }
  await executeBatch(Array.from({ length: 20 }, () => op), undefined, { concurrency: 3 })
  t.equal(peak, 3)
})

test('HostawayError fields are carried into the item', async (t) => {
  const op: Operation<number> = async (ctx) => {
    ctx.onAttempt(); ctx.onAttempt()
    throw new HostawayError('GET /listings/7 → HTTP 503', { status_code: 503, error_type: 'upstream_error', retryable: true, retry_after_ms: 1000, attempts: 4 })
  }
  const r = await executeBatch([op], ['7'])
  // status_code is what the single-item route would answer: an upstream 503 after retries is a gateway 502
  t.match(r.failed[0], { operation_id: '7', error_type: 'upstream_error', status_code: 502, retryable: true, retry_after_ms: 1000, attempts: 4, success: false, data: null })
  t.type(r.failed[0].remediation, 'string')
})

test('secrets are scrubbed from item errors', async (t) => {
  const op = async () => { throw new Error('failed with Bearer abc.def and s3cret-key') }
  const r = await executeBatch([op], undefined, { secrets: ['s3cret-key'] })
  t.notMatch(r.failed[0].error, /abc\.def|s3cret-key/)
})

test('deadline: unstarted items are unprocessed, sent reads time out, sent writes are outcome_unknown', async (t) => {
  const hang: Operation<number> = async (ctx) => { ctx.onAttempt(); await sleep(300); return 1 }
  const queuedNeverSent: Operation<number> = async () => { await sleep(300); return 1 }
  const fast: Operation<number> = async () => 1
  const read = await executeBatch([fast, hang, queuedNeverSent, fast, fast], undefined, { concurrency: 2, timeoutMs: 50 })
  t.same(read.successful.map((s) => s.index), [0])
  t.same(read.failed.map((f) => [f.index, f.error_type, f.retryable, f.attempts]), [
    [1, 'timeout', true, 1],
    [2, 'unprocessed', true, 0],
    [3, 'unprocessed', true, 0],
    [4, 'unprocessed', true, 0]
  ])
  t.equal(read.total_count, 5)

  const write = await executeBatch([hang], undefined, { timeoutMs: 30, kind: 'write', idempotent: true })
  t.match(write.failed[0], { error_type: 'outcome_unknown', retryable: true, attempts: 1 })
  const post = await executeBatch([hang], undefined, { timeoutMs: 30, kind: 'write', idempotent: false })
  t.match(post.failed[0], { error_type: 'outcome_unknown', retryable: false })
})

test('the deadline aborts the signal given to operations', async (t) => {
  let reason: unknown
  const op: Operation<number> = (ctx) => new Promise((_resolve, reject) => {
    ctx.signal.addEventListener('abort', () => { reason = ctx.signal.reason; reject(new HostawayError('aborted while queued', { status_code: null, error_type: 'unprocessed', retryable: true })) })
  })
  const r = await executeBatch([op], undefined, { timeoutMs: 20 })
  t.ok(reason instanceof Error)
  t.equal(r.failed[0].error_type, 'unprocessed')
})

test('an outer abort signal ends the batch like the deadline', async (t) => {
  const controller = new AbortController()
  const op: Operation<number> = async () => { await sleep(300); return 1 }
  setTimeout(() => controller.abort(), 20)
  const r = await executeBatch([op, op], undefined, { concurrency: 1, signal: controller.signal })
  t.same(r.failed.map((f) => f.error_type), ['unprocessed', 'unprocessed'])
})

test('dedupe: same id runs once, every position gets its own result', async (t) => {
  let calls = 0
  const op = async () => { calls++; return 'x' }
  const r = await executeBatch([op, op, op], ['5', '6', '5'], { dedupe: true })
  t.equal(calls, 2)
  t.same(r.successful.map((s) => [s.operation_id, s.index]), [['5', 0], ['6', 1], ['5', 2]])
})

test('mismatched ids are a programming error', async (t) => {
  await t.rejects(executeBatch([async () => 1], ['a', 'b']), RangeError)
})

test('property: every input appears exactly once, each list in request order, counts consistent', async (t) => {
  const modes: Array<'ok' | ErrorType | 'throw' | 'hang'> = ['ok', 'not_found', 'upstream_error', 'timeout', 'throw', 'hang']
  await fc.assert(fc.asyncProperty(
    fc.array(fc.record({ id: fc.integer({ min: 1, max: 20 }), mode: fc.constantFrom(...modes), delay: fc.integer({ min: 0, max: 3 }) }), { minLength: 1, maxLength: 30 }),
    fc.integer({ min: 1, max: 6 }),
    fc.boolean(),
    async (items, concurrency, dedupe) => {
      const ops: Array<Operation<number>> = items.map((item) => async (ctx) => {
        ctx.onAttempt()
        await sleep(item.delay)
        if (item.mode === 'ok') return item.id
        if (item.mode === 'throw') throw new Error('boom')
        if (item.mode === 'hang') { await sleep(1000); return item.id }
        throw new HostawayError(item.mode, { status_code: null, error_type: item.mode, retryable: true })
      })
      const r = await executeBatch(ops, items.map((i) => i.id), { concurrency, dedupe, timeoutMs: 40 })
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
