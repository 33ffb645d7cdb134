import { Ajv, type Options } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifySchemaCompiler } from 'fastify'

const base: Options = { useDefaults: true, removeAdditional: false, addUsedSchema: false, allErrors: false }

/**
 * The sandbox's validators, the same wherever it is mounted. Query strings and params arrive as
 * text, so theirs coerce types; JSON bodies arrive typed, so theirs do not: a `null` stays null (a
 * coercing validator would turn `note: null` into "" and `closedOnArrival: null` into 0, so a write
 * meant to clear a field would set it), and `"price": "5"` is a 400 as a typed API answers.
 */
export function sandboxValidatorCompiler (): FastifySchemaCompiler<unknown> {
  const coercing = addFormats.default(new Ajv({ ...base, coerceTypes: 'array' }))
  const strict = addFormats.default(new Ajv({ ...base, coerceTypes: false }))
  return ({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema as object)
}
