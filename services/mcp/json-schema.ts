import type { TSchema } from '@sinclair/typebox'
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import type { JsonSchemaType, JsonSchemaValidator, jsonSchemaValidator } from '@modelcontextprotocol/server'
import { describeValidation } from '../error-response.js'

/** A plain JSON Schema object, as a tool lists it. */
export type JsonSchema = Record<string, unknown>

/**
 * A self-contained copy of a TypeBox schema for a tool listing: every `$ref` to a registered model
 * (`Ref(ListingSchema)` → `{ $ref: 'Listing' }`) replaced by the model itself, and every `$id`
 * dropped, so an MCP client can use the schema alone. Throws on a `$ref` that names no model (a
 * bug: found at start-up, not at the first call).
 */
export function selfContained (schema: TSchema, models: readonly TSchema[]): JsonSchema {
  const byId = new Map(models.map((m) => [m.$id, m]))
  const inline = (node: unknown, path: readonly string[]): unknown => {
    if (Array.isArray(node)) return node.map((item) => inline(item, path))
    if (node === null || typeof node !== 'object') return node
    const ref = (node as { $ref?: unknown }).$ref
    if (typeof ref === 'string') {
      const target = byId.get(ref)
      if (target === undefined) throw new Error(`unresolved $ref "${ref}" in a tool schema`)
      if (path.includes(ref)) throw new Error(`recursive $ref "${ref}" in a tool schema`)
      return inline(target, [...path, ref])
    }
    const out: JsonSchema = {}
    // Object.entries skips TypeBox's symbol keys: the copy is plain JSON
    for (const [key, value] of Object.entries(node)) if (key !== '$id') out[key] = inline(value, path)
    return out
  }
  return inline(schema, []) as JsonSchema
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
