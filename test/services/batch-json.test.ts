import t from 'tap'
import fc from 'fast-check'
import { Type } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { ERROR_TYPES, ErrorTypeSchema } from '../../schemas/common.js'
import { PartialFailureResponseSchema, type OperationResult, type PartialFailureResponse } from '../../schemas/batch.js'
import { toPartialFailureResponse } from '../../services/batch.js'
import { serializePartialFailure } from '../../services/batch-json.js'

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
    const parsed: unknown = JSON.parse(serializePartialFailure(response))
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
  const first = serializePartialFailure(toPartialFailureResponse([ok(0), ok(1)]))
  const second = serializePartialFailure(toPartialFailureResponse([ok(0)]))
  t.equal(stringified, 1)
  t.same(JSON.parse(first).successful[1].data, { id: 7, name: 'Loft “Ø” \u2028' })
  t.same(JSON.parse(second).successful[0].data, { id: 7, name: 'Loft “Ø” \u2028' })
})

t.test('anything else is plain JSON', async (t) => {
  t.equal(serializePartialFailure({ statusCode: 400, message: 'x' }), '{"statusCode":400,"message":"x"}')
  t.equal(serializePartialFailure(null), 'null')
})
