import { test } from 'tap'
import { Type } from '@sinclair/typebox'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { Ref } from '../../../schemas/common.js'
import { createSchemaValidator, selfContained } from '../../../services/mcp/json-schema.js'

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

test('selfContained: strict-valid for a listing — examples not example, defaulted properties not required, local $refs kept', async (t) => {
  const Args = Type.Object({
    id: Type.Integer({ example: 1, description: 'an id' }),
    limit: Type.Integer({ default: 20 }),
    offset: Type.Integer({ default: 0 }),
    tags: Type.Optional(Type.Array(Type.String(), { examples: [['a']], example: ['b'] })),
    example: Type.Optional(Type.String({ description: 'a property named like a keyword is kept' }))
  })
  const input = selfContained(Args, [], 'input')
  t.same(input.required, ['id'], 'limit and offset have defaults: optional')
  t.same((input.properties as Record<string, unknown>).id, { type: 'integer', examples: [1], description: 'an id' })
  t.same((input.properties as Record<string, { examples?: unknown }>).tags.examples, [['a']], 'an examples already there wins')
  t.ok('example' in (input.properties as object), 'the property named example stays')
  const strict = new Ajv2020({ strict: true })
  t.throws(() => strict.compile(JSON.parse(JSON.stringify(Args)) as object), /unknown keyword: "example"/, 'the TypeBox schema as is: refused by a strict validator')
  t.doesNotThrow(() => strict.compile(input), 'the listed one: accepted')
  t.ok(strict.validate(input, { id: 1 }), '{ id } is valid: the defaults are filled in by the server')
  const onlyDefaults = selfContained(Type.Object({ limit: Type.Integer({ default: 20 }) }), [], 'input')
  t.notOk('required' in onlyDefaults, 'no required list left when every property has a default')

  const Out = Type.Object({
    items: Type.Array(Type.Unsafe({ $ref: '#/$defs/item' }), { description: 'dropped', minItems: 0 }),
    note: Type.Union([Type.String({ example: 'x' }), Type.Null()]),
    kind: Type.Union([Type.String({ enum: ['a', 'b'] }), Type.Null()]),
    at: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])
  }, { description: 'kept at the root', additionalProperties: false, $defs: { item: Type.Object({ id: Type.Integer({ description: 'dropped' }) }) } })
  const output = selfContained(Out, [], 'output')
  t.same(output, {
    description: 'kept at the root',
    additionalProperties: false,
    $defs: { item: { type: 'object', required: ['id'], properties: { id: { type: 'integer' } } } },
    type: 'object',
    required: ['items', 'note', 'kind', 'at'],
    properties: {
      items: { type: 'array', items: { $ref: '#/$defs/item' } },
      note: { type: ['string', 'null'] },
      kind: { type: ['string', 'null'], enum: ['a', 'b', null] },
      at: { type: ['integer', 'null'] }
    }
  }, 'an output schema: the shape (types, required, enums, local refs), no text or bounds below its root, nullables as type lists')
  t.doesNotThrow(() => strict.compile(output))
  const check = strict.compile(output)
  t.ok(check({ items: [{ id: 1 }], note: null, kind: null, at: 3 }))
  t.notOk(check({ items: [{ id: 1 }], note: null, kind: 'c', at: 3 }), 'the enum still holds')
})
