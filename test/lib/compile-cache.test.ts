import t from 'tap'
import { CompileCache, referenced } from '../../lib/compile-cache.js'
import { build } from '../helper.js'

// Compiled validators and serializers are shared by every app a process builds, keyed by what they
// are compiled from: a key too narrow would hand an app code compiled for another configuration.

t.test('an equal schema is compiled once; a different one, or other options, again', async (t) => {
  const cache = new CompileCache<() => string>()
  let builds = 0
  const compile = (schema: unknown, shared: Record<string, unknown>, options: unknown) =>
    cache.get(schema, shared, options, () => { builds++; const n = builds; return () => `fn${n}` })

  const first = compile({ type: 'object', properties: { a: { type: 'string' } } }, {}, 'body')
  // another object with the same JSON (each app builds its own route options)
  t.equal(compile({ type: 'object', properties: { a: { type: 'string' } } }, {}, 'body'), first)
  t.equal(builds, 1)
  t.not(compile({ type: 'object', properties: { a: { type: 'integer' } } }, {}, 'body'), first, 'another schema')
  t.not(compile({ type: 'object', properties: { a: { type: 'string' } } }, {}, 'querystring'), first, 'other options')
  t.equal(builds, 3)
})

t.test('the shared schemas a schema refers to are part of its key; the others are not', async (t) => {
  const cache = new CompileCache<object>()
  let builds = 0
  const get = (shared: Record<string, unknown>) => cache.get({ $ref: 'Ids' }, shared, null, () => { builds++; return {} })
  const ids = (maxItems: number) => ({ $id: 'Ids', type: 'array', maxItems, items: { $ref: 'Id#/definitions/id' } })
  const id = (type: string) => ({ $id: 'Id', definitions: { id: { type } } })

  const a = get({ Ids: ids(5), Id: id('integer'), Other: { $id: 'Other', type: 'string' } })
  t.equal(get({ Ids: ids(5), Id: id('integer'), Other: { $id: 'Other', type: 'number' } }), a, 'an unreferenced shared schema changed: same code')
  t.not(get({ Ids: ids(6), Id: id('integer') }), a, 'a referenced one changed')
  t.not(get({ Ids: ids(5), Id: id('string') }), a, 'one referenced through another changed')
  t.equal(builds, 3)
})

t.test('referenced: by id and id#path, transitively, each once; local refs and unknown ids left out', async (t) => {
  const shared = {
    A: { $id: 'A', properties: { b: { $ref: 'B' }, self: { $ref: '#/properties/b' } } },
    B: { $id: 'B', items: { $ref: 'C#/definitions/x' }, again: { $ref: 'A' } },
    C: { $id: 'C', definitions: { x: { type: 'string' } } },
    D: { $id: 'D' }
  }
  t.same(Object.keys(referenced({ anyOf: [{ $ref: 'A' }, { $ref: 'Missing' }] }, shared)).sort(), ['A', 'B', 'C'])
  t.same(referenced({ type: 'string' }, shared), {})
})

t.test('two apps in one process, each with its own JOB_MAX_ITEMS (a schema\'s maxItems), each keeps its own', async (t) => {
  const three = await build(t, { BATCH_MAX_ITEMS: '2', JOB_MAX_ITEMS: '3' })
  const four = await build(t, { BATCH_MAX_ITEMS: '2', JOB_MAX_ITEMS: '4' })
  const post = (app: typeof three.app, n: number) => app.inject({
    method: 'POST',
    url: '/api/batch/listings',
    headers: { prefer: 'respond-async' },
    payload: { ids: Array.from({ length: n }, (_, i) => i + 1) }
  })

  const refused = await post(three.app, 4)
  t.equal(refused.statusCode, 400, 'four ids: over the first app\'s limit')
  t.match(refused.json().message, /ids.*3/)
  t.equal((await post(four.app, 4)).statusCode, 202, 'four ids: within the second app\'s limit, a job')
  const overFour = await post(four.app, 5)
  t.equal(overFour.statusCode, 400)
  t.match(overFour.json().message, /ids.*4/)
  t.equal((await post(three.app, 3)).statusCode, 202)
})
