import type { TSchema } from '@sinclair/typebox'
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import type { JsonSchemaType, JsonSchemaValidator, jsonSchemaValidator } from '@modelcontextprotocol/server'
import { describeValidation } from '../error-response.js'

/** A plain JSON Schema object, as a tool lists it. */
export type JsonSchema = Record<string, unknown>

/** The annotation keywords a listing keeps: `examples` (JSON Schema's), never OpenAPI's `example`. */
type Use = 'input' | 'output'

/**
 * A self-contained, strict-valid copy of a TypeBox schema for a tool listing: every `$ref` to a
 * registered model (`Ref(ListingSchema)` → `{ $ref: 'Listing' }`) replaced by the model itself (a
 * local `#/$defs/…` reference is kept: the schema defines it), every `$id` dropped, so an MCP client
 * can use the schema alone. It compiles in any JSON Schema 2020-12 validator in strict mode:
 * OpenAPI's `example` becomes `examples: [value]` in an input schema, and an output schema keeps no
 * examples or descriptions below its root (they would only lengthen `tools/list`, see
 * OUTPUT_ONLY_FOR_READERS); a property with a `default` is not
 * `required` (the validator fills it in). Throws on a `$ref` that names no model (a bug: found at
 * start-up, not at the first call).
 */
export function selfContained (schema: TSchema, models: readonly TSchema[], use: Use = 'input'): JsonSchema {
  const byId = new Map(models.map((m) => [m.$id, m]))
  const inline = (node: unknown, path: readonly string[]): unknown => {
    if (Array.isArray(node)) return node.map((item) => inline(item, path))
    if (node === null || typeof node !== 'object') return node
    const ref = (node as { $ref?: unknown }).$ref
    if (typeof ref === 'string' && !ref.startsWith('#')) {
      const target = byId.get(ref)
      if (target === undefined) throw new Error(`unresolved $ref "${ref}" in a tool schema`)
      if (path.includes(ref)) throw new Error(`recursive $ref "${ref}" in a tool schema`)
      return inline(target, [...path, ref])
    }
    const out: JsonSchema = {}
    // Object.entries skips TypeBox's symbol keys: the copy is plain JSON
    for (const [key, value] of Object.entries(node)) {
      if (key === '$id' || (use === 'output' && OUTPUT_ONLY_FOR_READERS.has(key) && node !== schema)) continue
      if (key === 'example') {
        if (!('examples' in node)) out.examples = [value]
        continue
      }
      // `properties` maps names to schemas: a property named like a keyword is still a schema
      out[key] = key === 'properties' || key === '$defs' ? mapValues(value, (v) => inline(v, path)) : inline(value, path)
    }
    return use === 'output' ? nullableAsType(withoutDefaultedRequired(out)) : withoutDefaultedRequired(out)
  }
  return inline(schema, []) as JsonSchema
}

/**
 * What an output schema leaves out below its root: text for a reader, and the bounds of values the
 * gateway produces itself. A result's fields are Hostaway's names and the contract's, explained by
 * the tool's description and summary; its schema says the shape (types, required fields, enums,
 * formats), for a client to check `structuredContent` by, and stays short in `tools/list`.
 */
const OUTPUT_ONLY_FOR_READERS = new Set(['description', 'example', 'examples', 'minimum', 'maximum', 'minItems', 'maxItems', 'minLength', 'maxLength', 'pattern', 'additionalProperties'])

/**
 * `{ anyOf: [{ type: T }, { type: 'null' }] }` (TypeBox's nullable) as `{ type: [T, 'null'] }`, an
 * enum's null added to it: the same values, fewer characters.
 */
function nullableAsType (schema: JsonSchema): JsonSchema {
  const { anyOf, ...rest } = schema
  if (!Array.isArray(anyOf) || anyOf.length !== 2) return schema
  const [value, nothing] = anyOf as JsonSchema[]
  const { type, enum: values, ...other } = value
  const plain = typeof type === 'string' && Object.keys(other).length === 0 && (values === undefined || Array.isArray(values))
  if (!plain || nothing.type !== 'null' || Object.keys(nothing).length !== 1 || 'type' in rest) return schema
  return { ...rest, type: [type, 'null'], ...(Array.isArray(values) ? { enum: [...values, null] } : {}) }
}

const mapValues = (value: unknown, fn: (v: unknown) => unknown): unknown =>
  value !== null && typeof value === 'object' ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fn(v)])) : value

/** An object schema whose properties with a `default` are not `required`: `{}` is valid where the server fills the defaults in. */
function withoutDefaultedRequired (schema: JsonSchema): JsonSchema {
  const { required, properties } = schema
  if (!Array.isArray(required) || properties === null || typeof properties !== 'object') return schema
  const defaulted = (name: unknown) => typeof name === 'string' && (properties as Record<string, { default?: unknown } | undefined>)[name]?.default !== undefined
  const left = required.filter((name) => !defaulted(name))
  if (left.length === required.length) return schema
  const { required: _dropped, ...rest } = schema
  return left.length === 0 ? rest : { ...rest, required: left }
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020

/**
 * One Ajv per context, and each tool schema compiled once per process (by its JSON): every app
 * compiles the same schemas at start, and tests build many apps in one process.
 */
const compiler = (useDefaults: boolean) => ({
  ajv: addFormats(new Ajv2020({ strict: false, coerceTypes: false, useDefaults, removeAdditional: false, allErrors: false })),
  compiled: new Map<string, ValidateFunction>()
})
const compilers = { arguments: compiler(true), result: compiler(false) }

/**
 * The validator of tool arguments (`context` 'arguments') or results ('result') for the MCP SDK's
 * `fromJsonSchema`, with the REST routes' rules: no type coercion (`"5"` is not an id), defaults
 * applied to arguments (`limit` 20; a result is never changed), unknown fields refused, formats
 * checked (`date`). Messages name the field
 * the way the REST errors do (`arguments/ids/2 must be >= 1`, `arguments/guest is not an allowed field`).
 */
export function createSchemaValidator (context: 'arguments' | 'result'): jsonSchemaValidator {
  const { ajv, compiled } = compilers[context]
  return {
    getValidator <T>(schema: JsonSchemaType): JsonSchemaValidator<T> {
      const key = JSON.stringify(schema)
      let check = compiled.get(key)
      if (check === undefined) {
        check = ajv.compile(schema as JsonSchema)
        compiled.set(key, check)
      }
      return (input) => check(input)
        ? { valid: true, data: input as T, errorMessage: undefined }
        : { valid: false, data: undefined, errorMessage: describeValidation(context, (check.errors ?? []) as ErrorObject[]) }
    }
  }
}
