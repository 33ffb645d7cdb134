/**
 * Response schemas as fast-json-stringify should see them. A nullable field is `anyOf: [T, null]`
 * in the API's schemas (what JSON Schema and the SDK generators read), and fast-json-stringify
 * serializes an `anyOf` by running an Ajv validator per branch on every value: for a batch of
 * listings, each item's `data` is validated in full against the Listing schema, then each of its
 * nullable fields again, on every response — and the first response of each kind compiles those
 * validators. The same choices are made without validation when the union is written with a type
 * array, which is what this does, for serialization only (the API's schemas, its validation and
 * its OpenAPI document are not changed):
 * - an `anyOf` whose branches are all scalars (string, number, integer, boolean, null; a `$ref` to
 *   one counts as it) becomes `type: [those types]`: `error_type`, every `Nullable` scalar;
 * - `anyOf: [X, null]` with X an object or an array (or a `$ref` to one) becomes X with
 *   `type: [X's type, 'null']`, X inlined: a batch item's `data`.
 * Any other `anyOf` is kept as it is. The output is the same either way for every value the
 * schema accepts (test/lib/serializer-schema.test.ts compares both serializers).
 */

type Schema = Record<string, unknown>

const SCALARS = new Set(['string', 'number', 'integer', 'boolean', 'null'])
/** keywords that give a schema structure (a `null` branch has none of them but its type) */
const STRUCTURE = new Set(['type', 'properties', 'items', 'required', 'additionalProperties', 'patternProperties'])

const isSchema = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value)

/** `shared`: the schemas registered by `$id` (Fastify's shared schemas), for `$ref`s by id. */
export function forSerializer (schema: unknown, shared: Record<string, unknown>): unknown {
  const resolve = (branch: Schema): Schema => {
    const target = typeof branch.$ref === 'string' ? shared[branch.$ref] : undefined
    return isSchema(target) ? target : branch
  }

  const union = (node: Schema): Schema | undefined => {
    const branches = node.anyOf
    if (!Array.isArray(branches) || !branches.every(isSchema) || branches.length === 0) return undefined
    const { anyOf: _anyOf, ...outer } = node
    const resolved = branches.map(resolve)
    if (resolved.every((b) => typeof b.type === 'string' && SCALARS.has(b.type) && b.anyOf === undefined)) {
      const types = [...new Set(resolved.map((b) => b.type as string))]
      return { ...outer, type: types.length === 1 ? types[0] : types }
    }
    const nulls = resolved.filter((b) => b.type === 'null' && Object.keys(b).every((k) => k === 'type' || !STRUCTURE.has(k)))
    const others = resolved.filter((b) => !nulls.includes(b))
    const [value] = others
    if (branches.length !== 2 || nulls.length !== 1 || value === undefined) return undefined
    if ((value.type !== 'object' && value.type !== 'array') || value.anyOf !== undefined) return undefined
    const { $id: _id, ...inlined } = value
    return { ...(walk(inlined) as Schema), ...outer, type: [value.type, 'null'] }
  }

  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk)
    if (!isSchema(node)) return node
    const simplified = union(node)
    if (simplified !== undefined) return simplified
    const out: Schema = {}
    for (const [key, value] of Object.entries(node)) out[key] = walk(value)
    return out
  }

  return walk(schema)
}

/** The shared schemas named by `ids` (all by default), each through `forSerializer` (their `$ref`s resolved against all of them). */
export function sharedForSerializer (shared: Record<string, unknown>, ids: string[] = Object.keys(shared)): Record<string, unknown> {
  return Object.fromEntries(ids.map((id) => [id, forSerializer(shared[id], shared)]))
}
