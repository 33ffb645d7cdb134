import { test } from 'tap'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { Kind, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { namedSchemas } from '../../schemas/index.js'
import { errorResponses } from '../../schemas/common.js'
import { BatchListingUpdateBodyRef, BatchLookupBodyRef } from '../../schemas/batch.js'

const dir = join(import.meta.dirname, '..', '..', 'schemas')

/** Every TypeBox schema with an `$id` exported by a module of schemas/ (config.ts is not an API model). */
async function exportedNamedSchemas (): Promise<Map<string, string>> {
  const found = new Map<string, string>()
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.ts') && f !== 'config.ts')) {
    const mod = await import(join(dir, file)) as Record<string, unknown>
    for (const [name, value] of Object.entries(mod)) {
      if (value !== null && typeof value === 'object' && Kind in value && typeof (value as TSchema).$id === 'string') {
        found.set((value as TSchema).$id as string, `${file}#${name}`)
      }
    }
  }
  return found
}

test('the registry holds every named schema, each $id once', async (t) => {
  const registered = namedSchemas({ BATCH_MAX_ITEMS: 100 }).map((s) => s.$id)
  t.same(registered.filter((id) => typeof id !== 'string'), [], 'every registered schema has an $id')
  t.equal(new Set(registered).size, registered.length, 'no $id twice')
  for (const [id, where] of await exportedNamedSchemas()) t.ok(registered.includes(id), `${where} (${id}) is registered`)
  for (const ref of [BatchLookupBodyRef, BatchListingUpdateBodyRef]) t.ok(registered.includes(ref.$ref), `${ref.$ref} is registered`)
})

test('the batch bodies take their size limit from the configuration', async (t) => {
  const lookup = namedSchemas({ BATCH_MAX_ITEMS: 3 }).find((s) => s.$id === BatchLookupBodyRef.$ref) as TSchema
  t.ok(Value.Check(lookup, { ids: [1, 2, 3] }))
  t.notOk(Value.Check(lookup, { ids: [1, 2, 3, 4] }))
  t.notOk(Value.Check(lookup, { ids: [0] }), 'ids are positive')
})

test('errorResponses: each status given answers with ErrorResponse', async (t) => {
  const map = errorResponses(400, 401, 503)
  t.same(Object.keys(map), ['400', '401', '503'])
  for (const schema of Object.values(map)) t.equal(schema.$ref, 'ErrorResponse')
})
