import { test } from 'tap'
import { Type } from '@sinclair/typebox'
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
