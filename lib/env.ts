import type { Static, TObject, TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { scrub } from './redact.js'

export class ConfigError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'ConfigError'
  }
}

/** A comma-separated list: its entries trimmed, empty ones dropped. */
export function commaList (raw: string): string[] {
  return raw.split(',').map((e) => e.trim()).filter((e) => e !== '')
}

/**
 * Read the variables a TypeBox object schema names from `env` and check them against it: the one
 * way both the gateway and the standalone sandbox parse their environment.
 * - Only the variables the schema names are read; values are trimmed; empty strings count as unset.
 * - Strings are converted to the schema's types (`Value.Convert`), defaults filled in (`Value.Default`).
 * - A variable whose schema is an object or an array is read as JSON.
 * Throws a ConfigError whose message is one line naming the variable and the rule; the value of a
 * variable whose name contains KEY, SECRET or TOKEN is redacted.
 */
export function parseEnv<T extends TObject> (schema: T, env: Record<string, string | undefined>): Static<T> {
  const raw: Record<string, unknown> = {}
  for (const key of Object.keys(schema.properties)) {
    const value = env[key]
    if (value === undefined || value.trim() === '') continue
    raw[key] = value.trim()
    if (schema.properties[key].type === 'integer' && !/^-?\d+$/.test(value.trim())) {
      // Value.Convert would read 1.5 as 1 and 0x10 as 16: an integer variable takes plain digits only
      throw new ConfigError(`Invalid configuration: ${key} Expected integer${given(key, value.trim())}`)
    }
    if (isStructured(schema.properties[key])) {
      try {
        raw[key] = JSON.parse(value)
      } catch {
        throw new ConfigError(`Invalid configuration: ${key} must be JSON${given(key, value.trim())}`)
      }
    }
  }
  const converted = Value.Default(schema, Value.Convert(schema, { ...raw }))
  const first = Value.Errors(schema, converted).First()
  if (first !== undefined) {
    const path = first.path.replace(/^\//, '')
    const name = path.split('/')[0]
    const value = raw[name]
    const allowed = 'anyOf' in first.schema ? `: one of ${(first.schema.anyOf as Array<{ const: unknown }>).map((s) => s.const).join(', ')}` : ''
    throw new ConfigError(`Invalid configuration: ${path || 'config'} ${first.message}${allowed}${value === undefined || typeof value === 'object' ? '' : given(name, value)}`)
  }
  return converted as Static<T>
}

function isStructured (schema: TSchema): boolean {
  return schema.type === 'object' || schema.type === 'array'
}

function given (name: string, value: unknown): string {
  return ` (got ${JSON.stringify(redactIfSecret(name, value))})`
}

function redactIfSecret (name: string, value: unknown): unknown {
  if (/KEY|SECRET|TOKEN|PASSWORD/.test(name)) return '[redacted]'
  // a URL may carry a password (REDIS_URL=redis://user:password@host)
  return typeof value === 'string' ? scrub(value) : value
}
