import t from 'tap'
import fc from 'fast-check'
import { Type } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { ERROR_TYPES, ErrorTypeSchema } from '../../../schemas/common.js'
import { PartialFailureResponseSchema, type OperationResult, type PartialFailureResponse } from '../../../schemas/batch.js'
import { toPartialFailureResponse } from '../../../services/batch/results.js'
import { partialFailureJson, partialFailureSerializer, settleUnserializable } from '../../../services/batch/json.js'

const nullable = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null })
const data = fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 8 }).map((d) => ({ ...d, id: 1, name: 'x' }))
const result: fc.Arbitrary<OperationResult<unknown>> = fc.record({
  success: fc.boolean(),
  data: nullable(data),
  error: nullable(fc.string()),
  operation_id: nullable(fc.string()),
  index: fc.nat(),
  error_type: nullable(fc.constantFrom(...ERROR_TYPES)),
  status_code: nullable(fc.integer({ min: 400, max: 599 })),
  retryable: fc.boolean(),
  retry_after_ms: nullable(fc.nat()),
  remediation: nullable(fc.string()),
  attempts: fc.nat()
})

t.test('the JSON parses back to the response, and is valid against the schema', async (t) => {
  const schema = PartialFailureResponseSchema(Type.Unknown(), 'Anything')
  fc.assert(fc.property(fc.array(result, { maxLength: 12 }), (results) => {
    const response: PartialFailureResponse<unknown> = toPartialFailureResponse(results)
    const parsed: unknown = JSON.parse(partialFailureJson(response).toString())
    t.same(parsed, JSON.parse(JSON.stringify(response)))
    // the schema refers to the named ErrorType component
    return Value.Check(schema, [ErrorTypeSchema], parsed)
  }), { numRuns: 200 })
})

t.test('a data object is stringified once, whatever the number of responses carrying it', async (t) => {
  let stringified = 0
  const listing = { id: 7, name: 'Loft “Ø” \u2028', toJSON () { stringified++; return { id: 7, name: this.name } } }
  const ok = (index: number): OperationResult<unknown> => ({
    success: true, data: listing, error: null, operation_id: '7', index, error_type: null, status_code: null, retryable: false, retry_after_ms: null, remediation: null, attempts: 0
  })
  const first = partialFailureJson(toPartialFailureResponse([ok(0), ok(1)]))
  const second = partialFailureJson(toPartialFailureResponse([ok(0)]))
  t.equal(stringified, 1)
  t.ok(Buffer.isBuffer(first) && Buffer.isBuffer(second), 'the UTF-8 bytes, sent as they are (no string to encode again per write)')
  t.same(JSON.parse(first.toString()).successful[1].data, { id: 7, name: 'Loft “Ø” \u2028' })
  t.same(JSON.parse(second.toString()).successful[0].data, { id: 7, name: 'Loft “Ø” \u2028' })
})

t.test('anything else is plain JSON', async (t) => {
  t.equal(partialFailureJson({ statusCode: 400, message: 'x' }), '{"statusCode":400,"message":"x"}')
  t.equal(partialFailureJson(null), 'null')
})

t.test('an item whose data cannot be written fails alone as internal_error; the others and the counts stay right', async (t) => {
  const item = (index: number, data: unknown): OperationResult<unknown> => ({
    success: true, data, error: null, operation_id: String(index + 1), index, error_type: null, status_code: null, retryable: false, retry_after_ms: null, remediation: null, attempts: 1
  })
  const cyclic: Record<string, unknown> = { id: 2 }
  cyclic.self = cyclic
  const response = toPartialFailureResponse([item(0, { id: 1 }), item(1, { id: 2, big: 10n }), item(2, cyclic), item(3, { id: 4 })])
  const errors: unknown[] = []
  const json = JSON.parse(partialFailureSerializer({ error: (entry) => errors.push(entry) })(response).toString()) as PartialFailureResponse<{ id: number }>
  t.same(json.successful.map((r) => r.index), [0, 3])
  t.match(json.failed, [
    { index: 1, operation_id: '2', success: false, data: null, error_type: 'internal_error', status_code: 500, retryable: false, attempts: 1, error: /could not be written as JSON/ },
    { index: 2, operation_id: '3', error_type: 'internal_error' }
  ])
  t.match(json, { total_count: 4, success_count: 2, failure_count: 2, has_failures: true, has_successes: true, partial_success: true })
  t.match(errors, [{ index: 1, operation_id: '2', err: TypeError }, { index: 2, err: TypeError }], 'each logged')
  const fine = toPartialFailureResponse([item(0, { id: 1 })])
  t.equal(settleUnserializable(fine), fine, 'nothing to settle: the same response')
})
