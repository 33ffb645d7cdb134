import { Ajv, type Options } from 'ajv'
import addFormats from 'ajv-formats'
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'
import type { FastifySchemaCompiler, FastifySerializerCompiler } from 'fastify'
import { CompileCache } from '../lib/compile-cache.js'

const base: Options = { useDefaults: true, removeAdditional: false, addUsedSchema: false, allErrors: false }
const ajv = {
  coercing: addFormats.default(new Ajv({ ...base, coerceTypes: 'array' })),
  strict: addFormats.default(new Ajv({ ...base, coerceTypes: false }))
}
const validators = new CompileCache<ReturnType<FastifySchemaCompiler<unknown>>>()

/**
 * The sandbox's validators, the same wherever it is mounted. Query strings and params arrive as
 * text, so theirs coerce types; JSON bodies arrive typed, so theirs do not: a `null` stays null (a
 * coercing validator would turn `note: null` into "" and `closedOnArrival: null` into 0, so a write
 * meant to clear a field would set it), and `"price": "5"` is a 400 as a typed API answers.
 * Compiled once per schema in a process, however many sandboxes it starts (lib/compile-cache.ts).
 */
export const sandboxValidatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const which = httpPart === 'body' ? 'strict' : 'coercing'
  return validators.get(schema, {}, which, () => ajv[which].compile(schema as object))
}

const buildSerializer = SerializerSelector()(undefined, {})
const serializers = new CompileCache<ReturnType<FastifySerializerCompiler<unknown>>>()

/** The sandbox's response serializers (fast-json-stringify, as Fastify's default), compiled once per schema in a process. */
export const sandboxSerializerCompiler: FastifySerializerCompiler<unknown> = (route) =>
  serializers.get(route.schema, {}, null, () => buildSerializer(route as Parameters<typeof buildSerializer>[0]))
