import { Type, type Static } from '@sinclair/typebox'
import { LOG_LEVELS, type LogLevelName } from '../schemas/common.js'
import { ConfigError, parseEnv } from '../lib/env.js'
import { Settings, settingsProblem } from './options.js'
import type { SandboxOptions } from './types.js'

/**
 * The standalone sandbox's environment (`npm run sandbox`): the same rules and defaults as the
 * programmatic options, read the same way as the gateway's configuration (parseEnv in lib/env.ts, shared).
 */
export const SandboxEnvSchema = Type.Object({
  SANDBOX_PORT: Type.Integer({ default: 4010, minimum: 0, maximum: 65535, description: 'port to listen on (0 = ephemeral)' }),
  SANDBOX_HOST: Type.String({ default: '127.0.0.1', minLength: 1, description: 'address to listen on' }),
  SANDBOX_ACCOUNT_ID: Settings.accountId,
  SANDBOX_API_KEY: Settings.apiKey,
  SANDBOX_SEED: Settings.seed,
  SANDBOX_RATE_WINDOW_MS: Settings.rateWindowMs,
  SANDBOX_RATE_LIMIT_IP: Settings.rateLimitIp,
  SANDBOX_RATE_LIMIT_ACCOUNT: Settings.rateLimitAccount,
  SANDBOX_LISTING_COUNT: Settings.listingCount,
  SANDBOX_FAULTS: Settings.faults,
  SANDBOX_BASE_DATE: Settings.baseDate,
  SANDBOX_LOG_LEVEL: Type.Union(LOG_LEVELS.map((l) => Type.Literal(l)), { default: 'info' })
})
export type SandboxEnv = Static<typeof SandboxEnvSchema>

export interface EnvConfig {
  port: number
  host: string
  logLevel: LogLevelName
  options: Omit<SandboxOptions, 'logger' | 'tokenTtlSeconds' | 'tokenSettleMs' | 'baseDate'> & { baseDate?: string }
}

/**
 * The standalone sandbox's settings from environment variables (given, not read here: server.ts is
 * the only file of sandbox/ that touches process.env). Throws a one-line ConfigError naming the variable.
 */
export function configFromEnv (env: Record<string, string | undefined>): EnvConfig {
  const e = parseEnv(SandboxEnvSchema, env)
  const options: EnvConfig['options'] = {
    accountId: e.SANDBOX_ACCOUNT_ID,
    apiKey: e.SANDBOX_API_KEY,
    seed: e.SANDBOX_SEED,
    rateWindowMs: e.SANDBOX_RATE_WINDOW_MS,
    rateLimitIp: e.SANDBOX_RATE_LIMIT_IP,
    rateLimitAccount: e.SANDBOX_RATE_LIMIT_ACCOUNT,
    listingCount: e.SANDBOX_LISTING_COUNT,
    faults: e.SANDBOX_FAULTS ?? {},
    ...(e.SANDBOX_BASE_DATE === undefined ? {} : { baseDate: e.SANDBOX_BASE_DATE })
  }
  const problem = settingsProblem(options)
  if (problem !== undefined) {
    throw new ConfigError(`Invalid configuration: ${problem.replace(/^faults/, 'SANDBOX_FAULTS').replace(/^baseDate/, 'SANDBOX_BASE_DATE')}`)
  }
  return { port: e.SANDBOX_PORT, host: e.SANDBOX_HOST, logLevel: e.SANDBOX_LOG_LEVEL, options }
}
