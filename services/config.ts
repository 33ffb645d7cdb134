import { Value } from '@sinclair/typebox/value'
import { ConfigSchema, type Config } from '../schemas/config.js'

export class ConfigError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'ConfigError'
  }
}

const KEYS = Object.keys(ConfigSchema.properties) as Array<keyof Config>

/**
 * Build the one validated config object from environment variables.
 * Only the variables the schema names are read; empty strings count as unset.
 * Throws a ConfigError whose message is one line naming the variable and the rule.
 */
export function loadConfig (env: Record<string, string | undefined> = process.env): Config {
  const raw: Record<string, unknown> = {}
  for (const key of KEYS) {
    const value = env[key]
    if (value !== undefined && value.trim() !== '') raw[key] = value.trim()
  }
  const converted = Value.Default(ConfigSchema, Value.Convert(ConfigSchema, { ...raw }))
  const first = Value.Errors(ConfigSchema, converted).First()
  if (first !== undefined) {
    const name = first.path.replace(/^\//, '') || 'config'
    const given = raw[name] === undefined ? '' : ` (got ${JSON.stringify(redactIfSecret(name, raw[name]))})`
    const allowed = 'anyOf' in first.schema ? `: one of ${(first.schema.anyOf as Array<{ const: unknown }>).map((s) => s.const).join(', ')}` : ''
    throw new ConfigError(`Invalid configuration: ${name} ${first.message}${allowed}${given}`)
  }
  const config = converted as Config
  if ((config.HOSTAWAY_ACCOUNT_ID === undefined) !== (config.HOSTAWAY_API_KEY === undefined)) {
    throw new ConfigError('Invalid configuration: HOSTAWAY_ACCOUNT_ID and HOSTAWAY_API_KEY must be set together (or both unset to use the sandbox)')
  }
  return config
}

function redactIfSecret (name: string, value: unknown): unknown {
  return /KEY|SECRET|TOKEN/.test(name) ? '[redacted]' : value
}

/** The accepted API keys, or an empty list when the API is open. */
export function apiKeys (config: Pick<Config, 'API_KEYS'>): string[] {
  return (config.API_KEYS ?? '').split(',').map((k) => k.trim()).filter((k) => k.length > 0)
}
