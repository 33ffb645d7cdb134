import { test } from 'tap'
import { Type } from '@sinclair/typebox'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import { Ref } from '../../../schemas/common.js'
import { createSchemaValidator, selfContained } from '../../../services/mcp/json-schema.js'

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020

const Item = Type.Object({ id: Type.Integer() }, { $id: 'Item' })
const Page = Type.Object({ items: Type.Array(Ref(Item)), first: Type.Optional(Ref(Item)) }, { $id: 'Page' })

test('selfContained inlines every $ref to a model and drops every $id', async (t) => {
  const schema = selfContained(Type.Object({ page: Ref(Page) }), [Item, Page])
  t.same(schema, {
    type: 'object',
    required: ['page'],
    properties: {
      page: {
        type: 'object',
        required: ['items'],
        properties: {
          items: { type: 'array', items: { type: 'object', required: ['id'], properties: { id: { type: 'integer' } } } },
          first: { type: 'object', required: ['id'], properties: { id: { type: 'integer' } } }
        }
      }
    }
  })
  t.throws(() => selfContained(Ref(Item), [Page]), /unresolved \$ref "Item"/, 'a ref to no model is found at start-up')
  const Loop = Type.Object({ next: Type.Optional(Type.Ref('Loop')) }, { $id: 'Loop' })
  t.throws(() => selfContained(Ref(Loop), [Loop]), /recursive \$ref "Loop"/)
})

test('the validator: no coercion, defaults applied, messages name the field', async (t) => {
  const schema = selfContained(Type.Object({ ids: Type.Array(Type.Integer({ minimum: 1 })), limit: Type.Integer({ default: 20 }) }, { additionalProperties: false }), [])
  const check = createSchemaValidator('arguments').getValidator<{ ids: number[], limit: number }>(schema)
  t.same(check({ ids: [1] }), { valid: true, data: { ids: [1], limit: 20 }, errorMessage: undefined })
  t.match(check({ ids: ['1'] }), { valid: false, errorMessage: 'arguments/ids/0 must be integer' })
  t.match(check({ ids: [0] }), { valid: false, errorMessage: 'arguments/ids/0 must be >= 1' })
  t.match(check({ ids: [1], extra: true }), { valid: false, errorMessage: 'arguments/extra is not an allowed field' })
  const result = createSchemaValidator('result').getValidator(schema)
  t.match(result({}), { valid: false, errorMessage: 'result/ids is required' })
  t.same(result({ ids: [1], limit: 5 }), { valid: true, data: { ids: [1], limit: 5 }, errorMessage: undefined })
  const unchanged = { ids: [1] }
  result(unchanged)
  t.same(unchanged, { ids: [1] }, 'a result is never given defaults')
})

test('selfContained: strict-valid and short for a listing — no example(s), defaulted properties not required, bounds not said twice, local $refs kept', async (t) => {
  const Args = Type.Object({
    id: Type.Integer({ example: 1, minimum: 1, maximum: 99, description: 'an id (1..99)' }),
    day: Type.String({ format: 'date', description: 'First day (YYYY-MM-DD)' }),
    limit: Type.Integer({ default: 20, minimum: 1, maximum: 100, description: 'Items per page (1..50)' }),
    offset: Type.Integer({ default: 0 }),
    tags: Type.Optional(Type.Array(Type.String(), { examples: [['a']], example: ['b'], minItems: 1, maxItems: 5, description: 'Tags (1..5 of them)' })),
    example: Type.Optional(Type.String({ description: 'a property named like a keyword is kept' }))
  })
  const input = selfContained(Args, [], 'input')
  const properties = input.properties as Record<string, Record<string, unknown>>
  t.same(input.required, ['id', 'day'], 'limit and offset have defaults: optional')
  t.same(properties.id, { type: 'integer', minimum: 1, maximum: 99, description: 'an id' }, 'no example; the range the keywords say is not repeated')
  t.equal(properties.day.description, 'First day', 'format date says YYYY-MM-DD')
  t.equal(properties.limit.description, 'Items per page (1..50)', 'a range the keywords do not say stays')
  t.same(properties.tags, { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 5, description: 'Tags' }, 'no examples either')
  t.ok('example' in properties, 'the property named example stays')
  const strict = addFormats(new Ajv2020({ strict: true }))
  t.throws(() => strict.compile(JSON.parse(JSON.stringify(Args)) as object), /unknown keyword: "example"/, 'the TypeBox schema as is: refused by a strict validator')
  t.doesNotThrow(() => strict.compile(input), 'the listed one: accepted')
  t.ok(strict.validate(input, { id: 1, day: '2027-01-01' }), 'the defaults are filled in by the server')
  const onlyDefaults = selfContained(Type.Object({ limit: Type.Integer({ default: 20 }) }), [], 'input')
  t.notOk('required' in onlyDefaults, 'no required list left when every property has a default')

  const Out = Type.Object({
    items: Type.Array(Type.Unsafe({ $ref: '#/$defs/item' }), { description: 'dropped', minItems: 0 }),
    note: Type.Union([Type.String({ example: 'x' }), Type.Null()]),
    kind: Type.Union([Type.String({ enum: ['a', 'b'] }), Type.Null()]),
    at: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    data: Type.Union([Type.Object({ id: Type.Integer(), day: Type.String({ format: 'date' }) }, { additionalProperties: false }), Type.Null()])
  }, { description: 'kept at the root', additionalProperties: false, $defs: { item: Type.Object({ id: Type.Integer({ description: 'dropped' }) }) } })
  const output = selfContained(Out, [], 'output')
  t.same(output, {
    description: 'kept at the root',
    additionalProperties: false,
    $defs: { item: { type: 'object', properties: { id: { type: 'integer' } } } },
    type: 'object',
    required: ['items', 'note', 'kind', 'at', 'data'],
    properties: {
      items: { type: 'array', items: { $ref: '#/$defs/item' } },
      note: { type: ['string', 'null'] },
      kind: { type: ['string', 'null'] },
      at: { type: ['integer', 'null'] },
      data: { type: ['object', 'null'], properties: { id: { type: 'integer' }, day: { type: 'string', format: 'date' } } }
    }
  }, 'an output schema: the shape (types, formats, required at the root, local refs), no text, bounds, enums or required below its root, nullables as type lists')
  t.doesNotThrow(() => strict.compile(output))
  const check = strict.compile(output)
  t.ok(check({ items: [{ id: 1 }], note: null, kind: 'c', at: 3, data: null }), 'the values the gateway produces are not listed')
  t.ok(check({ items: [], note: null, kind: null, at: 3, data: { id: 1, day: '2027-01-01' } }))
  t.notOk(check({ items: [], note: null, kind: null, at: 3, data: { id: 'x' } }), 'a nullable object still checks its fields')
  t.notOk(check({ items: [{ id: 1 }], note: null, kind: null }), 'required at the root holds')

  const Either = Type.Unsafe({ type: 'object', anyOf: [Type.Object({ a: Type.Integer() }), Type.Object({ b: Type.Boolean() })] })
  const either = selfContained(Either, [], 'output')
  t.same(either.anyOf, [{ type: 'object', required: ['a'], properties: { a: { type: 'integer' } } }, { type: 'object', required: ['b'], properties: { b: { type: 'boolean' } } }],
    'a root of several shapes: each keeps its required fields')
  t.doesNotThrow(() => strict.compile(either))
})
