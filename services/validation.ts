/** An Ajv-style validation function, as Fastify calls it: `false` with `errors` set when invalid. */
export interface ValidateFunction {
  (data: unknown): boolean | PromiseLike<unknown>
  errors?: Array<{ instancePath: string, schemaPath: string, keyword: string, params: Record<string, unknown>, message?: string }> | null
}

/** Plain decimal digits, maybe after a minus sign: what an integer in a path or a query string may look like. */
const DIGITS = /^-?\d+$/

/** The properties a schema declares as integers (a path's or query string's top-level object). */
export function integerFields (schema: unknown): string[] {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> } | undefined)?.properties
  if (properties === undefined) return []
  return Object.keys(properties).filter((name) => properties[name].type === 'integer')
}

/**
 * Wrap the validator of a path or query string so that its integers are plain decimal digits
 * before the schema converts them: Ajv's coercion reads `0x10` as 16, `1e3` as 1000, ` 5` as 5
 * and `Infinity` as a number. Anything else fails naming the field, as a schema error would.
 */
export function strictIntegers (fields: readonly string[], validate: ValidateFunction): ValidateFunction {
  if (fields.length === 0) return validate
  const wrapped: ValidateFunction = (data) => {
    const values = data as Record<string, unknown> | null | undefined
    for (const field of fields) {
      const value = values?.[field]
      const texts = Array.isArray(value) ? value : [value]
      if (texts.some((text) => typeof text === 'string' && !DIGITS.test(text))) {
        wrapped.errors = [{
          instancePath: `/${field}`,
          schemaPath: `#/properties/${field}/type`,
          keyword: 'type',
          params: { type: 'integer' },
          message: 'must be an integer written in plain decimal digits'
        }]
        return false
      }
    }
    const valid = validate(data)
    wrapped.errors = validate.errors
    return valid
  }
  return wrapped
}

/** The properties of a query string schema that take one value (not a list). */
export function singleValuedFields (schema: unknown): string[] {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> } | undefined)?.properties
  if (properties === undefined) return []
  return Object.keys(properties).filter((name) => properties[name].type !== 'array')
}

const TIMES = ['', 'once', 'twice']

/**
 * Wrap the validator of a query string so that a parameter taking one value, given more than once
 * (`?limit=5&limit=6`, which the parser reads as a list), fails saying so rather than "must be integer".
 */
export function singleValues (fields: readonly string[], validate: ValidateFunction): ValidateFunction {
  if (fields.length === 0) return validate
  const wrapped: ValidateFunction = (data) => {
    const values = data as Record<string, unknown> | null | undefined
    for (const field of fields) {
      const value = values?.[field]
      if (Array.isArray(value)) {
        wrapped.errors = [{
          instancePath: `/${field}`,
          schemaPath: `#/properties/${field}/type`,
          keyword: 'type',
          params: {},
          message: `is given ${TIMES[value.length] ?? `${value.length} times`}: give it once`
        }]
        return false
      }
    }
    const valid = validate(data)
    wrapped.errors = validate.errors
    return valid
  }
  return wrapped
}
