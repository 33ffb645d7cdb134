import type { TSchema } from '@sinclair/typebox'
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import type { JsonSchemaType, JsonSchemaValidator, jsonSchemaValidator } from '@modelcontextprotocol/server'
import { describeValidation } from '../error-response.js'

/** A plain JSON Schema object, as a tool lists it. */
export type JsonSchema = Record<string, unknown>

/** What a schema is listed for: a tool's arguments, or its result. */
type Use = 'input' | 'output'

/**
 * A self-contained, strict-valid, short copy of a TypeBox schema for a tool listing: every `$ref`
 * to a registered model (`Ref(ListingSchema)` → `{ $ref: 'Listing' }`) replaced by the model itself
 * (a local `#/$defs/…` reference is kept: the schema defines it), every `$id` dropped, so an MCP
 * client can use the schema alone. It compiles in any JSON Schema 2020-12 validator in strict mode:
 * no OpenAPI `example`, nor `examples` in an input schema (withoutRestated), and an output schema
 * keeps no prose, bounds or enums below its root (OUTPUT_ONLY_FOR_READERS): `tools/list` is read
 * on every session. A property with a `default` is not `required` (the validator fills it in).
 * Throws on a `$ref` that names no model (a bug: found at start-up, not at the first call).
 */
export function selfContained (schema: TSchema, models: readonly TSchema[], use: Use = 'input'): JsonSchema {
  const byId = new Map(models.map((m) => [m.$id, m]))
  // a root that is one of several shapes (a write's batch or dry run) has each of them as a root
  const roots = new Set<unknown>([schema, ...((schema as { anyOf?: unknown[] }).anyOf ?? [])])
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
      if (key === '$id' || (use === 'output' && OUTPUT_ONLY_FOR_READERS.has(key) && !roots.has(node))) continue
      if (key === 'example') continue
      // `properties` maps names to schemas: a property named like a keyword is still a schema
      out[key] = key === 'properties' || key === '$defs' ? mapValues(value, (v) => inline(v, path)) : inline(value, path)
    }
    return use === 'output' ? nullableAsType(withoutDefaultedRequired(out)) : withoutRestated(withoutDefaultedRequired(out))
  }
  return inline(schema, []) as JsonSchema
}

/**
 * What an output schema leaves out below its root: text for a reader, and the bounds of values the
 * gateway produces itself. A result's fields are Hostaway's names and the contract's, explained by
 * the tool's description and summary; its schema says the shape — the fields at the root that are
 * always there, every field's type and format — for a client to check `structuredContent` by, and
 * stays short in `tools/list`: which nested fields are always present, their bounds and enums (the
 * values the gateway produces itself) are the contract's (docs/contract.md), not repeated per tool.
 */
const OUTPUT_ONLY_FOR_READERS = new Set(['description', 'example', 'examples', 'minimum', 'maximum', 'minItems', 'maxItems', 'minLength', 'maxLength', 'pattern', 'enum', 'required', 'additionalProperties'])

/**
 * `{ anyOf: [{ type: T, … }, { type: 'null' }] }` (TypeBox's nullable) as `{ type: [T, 'null'], … }`,
 * an enum's null added to it: the same values, fewer characters. The other keywords of the branch
 * (properties, format, …) apply to a T only, so null still passes them; a branch with a `$ref`,
 * `const` or a combination stays as it is.
 */
function nullableAsType (schema: JsonSchema): JsonSchema {
  const { anyOf, ...rest } = schema
  if (!Array.isArray(anyOf) || anyOf.length !== 2) return schema
  const [value, nothing] = anyOf as JsonSchema[]
  const { type, enum: values, ...other } = value
  const plain = typeof type === 'string' && !['$ref', 'const', 'anyOf', 'oneOf', 'allOf', 'not'].some((key) => key in other) && (values === undefined || Array.isArray(values))
  if (!plain || nothing.type !== 'null' || Object.keys(nothing).length !== 1 || 'type' in rest) return schema
  return { ...rest, ...other, type: [type, 'null'], ...(Array.isArray(values) ? { enum: [...values, null] } : {}) }
}

/**
 * An input schema whose description does not repeat its keywords: "Items per page (1..100)" with
 * `minimum: 1, maximum: 100` says "Items per page", "First day (YYYY-MM-DD)" with `format: date`
 * "First day" (the keywords say the rest, to an agent too); and without examples, which every
 * session would read again (the descriptions and the keywords say what a value looks like).
 */
function withoutRestated (schema: JsonSchema): JsonSchema {
  const { description, examples: _examples, ...rest } = schema
  if (typeof description !== 'string') return rest
  const bounds = [[schema.minimum, schema.maximum], [schema.minItems, schema.maxItems]]
  let text = description.replace(/ \((\d+)\.\.(\d+)(?: of them)?\)/, (range, min: string, max: string) =>
    bounds.some(([lo, hi]) => lo === Number(min) && hi === Number(max)) ? '' : range)
  if (schema.format === 'date') text = text.replace(/ \(YYYY-MM-DD\)/, '')
  return { ...rest, description: text }
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
 * One Ajv per context, and each tool schema compiled once per process (by its JSON), at its first
 * use: the SDK asks for every tool's validators when the endpoint is built, and compiling them
 * all then was a quarter of an app's start (CPU that a loaded machine stretches), for tools most
 * instances — and most tests, which build many apps — never call.
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
      let check: ValidateFunction | undefined
      const compile = (): ValidateFunction => {
        const key = JSON.stringify(schema)
        let fn = compiled.get(key)
        if (fn === undefined) {
          fn = ajv.compile(schema as JsonSchema)
          compiled.set(key, fn)
        }
        return fn
      }
      return (input) => {
        check ??= compile()
        return check(input)
          ? { valid: true, data: input as T, errorMessage: undefined }
          : { valid: false, data: undefined, errorMessage: describeValidation(context, (check.errors ?? []) as ErrorObject[]) }
      }
    }
  }
}
