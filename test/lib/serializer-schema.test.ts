import t from 'tap'
import fjs from 'fast-json-stringify'
import { forSerializer, sharedForSerializer } from '../../lib/serializer-schema.js'
import { namedSchemas } from '../../schemas/index.js'

type Schema = Record<string, unknown>
type Compiled = Parameters<typeof fjs>[0]
/** fast-json-stringify over `schema`, with `schemas` as its schemas by `$id` */
const serializer = (schema: unknown, schemas: Record<string, Schema>, mode?: 'debug') => fjs(schema as Compiled, { schema: schemas as unknown as Record<string, Compiled>, ...(mode === undefined ? {} : { mode }) })

const named = namedSchemas({ BATCH_MAX_ITEMS: 100, JOB_MAX_ITEMS: 1000 }) as unknown as Array<Schema & { $id: string }>
const shared: Record<string, Schema> = Object.fromEntries(named.map((s) => [s.$id, s]))
const transformed = sharedForSerializer(shared) as Record<string, Schema>

/** A seeded generator of values each schema accepts: every branch of a union, optional fields present or not. */
function generator (seed: number) {
  let state = seed
  const random = () => { state = (state * 1103515245 + 12345) % 2147483648; return state / 2147483648 }
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T
  const STRINGS = ['', 'Lisbon', 'a "quoted" name\n', 'ü € 😀', '</script>', 'x'.repeat(40)]
  const value = (schema: Schema, depth: number): unknown => {
    if (typeof schema.$ref === 'string') return value(shared[schema.$ref] as Schema, depth)
    if (Array.isArray(schema.anyOf)) return value(pick(schema.anyOf as Schema[]), depth)
    if (schema.const !== undefined) return schema.const
    if (Array.isArray(schema.enum)) return pick(schema.enum)
    const type = Array.isArray(schema.type) ? pick(schema.type as string[]) : schema.type
    switch (type) {
      case 'null': return null
      case 'boolean': return random() < 0.5
      case 'integer': return Math.floor(random() * 1000) + (typeof schema.minimum === 'number' ? schema.minimum : 0)
      case 'number': return Math.round(random() * 100000) / 100
      case 'string': return schema.format === 'date-time' ? new Date(1_700_000_000_000 + Math.floor(random() * 1e10)).toISOString() : pick(STRINGS)
      case 'array': return depth > 3 ? [] : Array.from({ length: Math.floor(random() * 3) }, () => value(schema.items as Schema, depth + 1))
      case 'object': {
        const required = new Set((schema.required as string[] | undefined) ?? [])
        const out: Record<string, unknown> = {}
        for (const [key, property] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) {
          if (required.has(key) || (depth < 3 && random() < 0.6)) out[key] = value(property, depth + 1)
        }
        return out
      }
      default: return pick(STRINGS)
    }
  }
  return (schema: Schema) => value(schema, 0)
}

/** the generated code of a serializer: whether it calls a schema validator (an anyOf it must test) */
const validates = (schema: Schema, schemas: Record<string, Schema>) =>
  (serializer(schema, schemas, 'debug') as unknown as { code: string }).code.includes('getSchemaValidator')

t.test('every named schema: the same JSON from both serializers, for values of every branch', async (t) => {
  for (const { $id } of named) {
    const root = { $ref: $id }
    let original: (value: unknown) => string
    try {
      original = serializer(root, shared)
    } catch {
      continue // a request-only schema fast-json-stringify cannot compile (it is never a response)
    }
    const simplified = serializer(forSerializer(root, shared), transformed)
    const next = generator($id.length * 7919)
    let compared = 0
    for (let i = 0; i < 60; i++) {
      const value = next(shared[$id] as Schema)
      let expected: string
      try {
        expected = original(value)
      } catch {
        continue // a generated value outside what the schema accepts (e.g. a pattern): not a response
      }
      t.equal(simplified(value), expected, `${$id} #${i}`)
      compared++
    }
    t.ok(compared > 0, `${$id}: values compared`)
  }
})

t.test('the responses of the hot paths serialize without running a validator', async (t) => {
  for (const id of ['ErrorResponse', 'Listing', 'Booking', 'PartialFailureResponse_Listing', 'PartialFailureResponse_Booking', 'ListingPage', 'BookingPage']) {
    t.ok(shared[id], `${id} is a named schema`)
    t.equal(validates({ $ref: id }, shared), true, `${id}: as written, its unions are validated per value`)
    t.equal(validates(forSerializer({ $ref: id }, shared) as Schema, transformed), false, `${id}: for the serializer, none is`)
  }
})

t.test('a union it cannot write as types is kept', async (t) => {
  const schema = { type: 'object', properties: { v: { anyOf: [{ type: 'object', properties: { a: { type: 'string' } } }, { type: 'array', items: { type: 'string' } }] } } }
  t.same(forSerializer(schema, {}), schema)
  const scalars = { anyOf: [{ $ref: 'E' }, { type: 'string', pattern: '^x' }], description: 'd' }
  t.same(forSerializer(scalars, { E: { $id: 'E', type: 'string', enum: ['a'] } }), { type: 'string', description: 'd' })
  t.same(forSerializer({ anyOf: [{ type: 'integer', minimum: 1 }, { type: 'null' }] }, {}), { type: ['integer', 'null'] })
})
