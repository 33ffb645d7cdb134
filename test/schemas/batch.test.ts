// The original unit tests of the PartialFailureResponse model, against the TypeBox schemas.
import { test } from 'tap'
import { Type } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { OperationResultSchema, PartialFailureResponseSchema, type OperationResult } from '../../schemas/batch.js'
import { ErrorTypeSchema } from '../../schemas/common.js'
import { toPartialFailureResponse } from '../../services/batch/results.js'

/** The named schemas the results refer to. */
const refs = [ErrorTypeSchema]
const Dict = Type.Record(Type.String(), Type.Unknown())
const Response = PartialFailureResponseSchema(Dict, 'Dict')
const StringResult = OperationResultSchema(Type.String())

function ok<T> (data: T, id: string, index: number): OperationResult<T> {
  return { success: true, data, error: null, operation_id: id, index, error_type: null, status_code: null, retryable: false, retry_after_ms: null, remediation: null, attempts: 1 }
}
function ko<T> (error: string, id: string, index: number): OperationResult<T> {
  return { success: false, data: null, error, operation_id: id, index, error_type: 'not_found', status_code: 404, retryable: false, retry_after_ms: null, remediation: 'Check the id', attempts: 1 }
}

test('all success', async (t) => {
  const r = toPartialFailureResponse([ok({ id: 1 }, 'op_1', 0), ok({ id: 2 }, 'op_2', 1)])
  t.ok(Value.Check(Response, refs, r), 'valid against the schema')
  t.equal(r.has_successes, true)
  t.equal(r.has_failures, false)
  t.equal(r.partial_success, false)
  t.equal(r.successful.length, 2)
  t.equal(r.total_count, 2)
})

test('all failed', async (t) => {
  const r = toPartialFailureResponse([ko('Not found', 'op_1', 0), ko('Timeout', 'op_2', 1)])
  t.ok(Value.Check(Response, refs, r))
  t.equal(r.has_successes, false)
  t.equal(r.has_failures, true)
  t.equal(r.partial_success, false)
  t.equal(r.failed.length, 2)
})

test('mixed', async (t) => {
  const r = toPartialFailureResponse([ok({ id: 1 }, 'op_1', 0), ko('Not found', 'op_2', 1)])
  t.ok(Value.Check(Response, refs, r))
  t.equal(r.has_successes, true)
  t.equal(r.has_failures, true)
  t.equal(r.partial_success, true)
  t.equal(r.success_count, 1)
  t.equal(r.failure_count, 1)
})

test('OperationResult validation', async (t) => {
  const success = ok('test data', 'test_1', 0)
  t.ok(Value.Check(StringResult, refs, success))
  t.equal(success.success, true)
  t.equal(success.data, 'test data')

  const failure = ko<string>('Test error', 'test_2', 1)
  t.ok(Value.Check(StringResult, refs, failure))
  t.equal(failure.error, 'Test error')

  t.notOk(Value.Check(StringResult, refs, { ...success, data: 42 }), 'the generic parameter types data')
  t.notOk(Value.Check(StringResult, refs, { ...failure, error_type: 'exploded' }), 'error_type is the ErrorType enum')
  t.notOk(Value.Check(StringResult, refs, { ...success, index: -1 }), 'index is 0-based')
  const { attempts: _attempts, ...missing } = success
  t.notOk(Value.Check(StringResult, refs, missing), 'attempts is required')
  t.notOk(Value.Check(StringResult, refs, { ...success, extra: 1 }), 'no unknown fields')
})

test('has_failures, has_successes and partial_success are required by the contract: a response without them is refused', async (t) => {
  // the route serializers write what the response schema names: a flag the schema did not require could go missing unnoticed
  const full = toPartialFailureResponse([ok({}, 'a', 0), ko('x', 'b', 1)])
  t.ok(Value.Check(Response, refs, full))
  for (const flag of ['has_failures', 'has_successes', 'partial_success'] as const) {
    const { [flag]: _dropped, ...without } = full
    t.notOk(Value.Check(Response, refs, without), `${flag} is required`)
  }
})
