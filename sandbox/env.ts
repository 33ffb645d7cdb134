import { parseDay } from './dates.js'
import { checkFaults } from './faults.js'
import { DEFAULTS } from './options.js'
import type { SandboxOptions } from './types.js'

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevelName = typeof LOG_LEVELS[number]

export interface EnvConfig extends Omit<SandboxOptions, 'logger' | 'tokenTtlSeconds' | 'tokenSettleMs' | 'baseDate'> {
  port: number
  host: string
  baseDate?: string
  logLevel: LogLevelName
}

/** A bad environment variable; the message names it. */
export class EnvError extends Error {
  override name = 'EnvError'
}

/**
 * The standalone sandbox's settings from environment variables (given, not read here:
 * server.ts is the only file that touches process.env).
 */
export function configFromEnv (env: Record<string, string | undefined>): EnvConfig {
  const get = (name: string) => {
    const value = env[name]?.trim()
    return value === undefined || value === '' ? undefined : value
  }
  const integer = (name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) => {
    const raw = get(name)
    if (raw === undefined) return fallback
    const n = /^\d+$/.test(raw) ? Number(raw) : NaN
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new EnvError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`)
    return n
  }
  const rawFaults = get('SANDBOX_FAULTS')
  let faults = {}
  if (rawFaults !== undefined) {
    let parsed: unknown
    try {
      parsed = JSON.parse(rawFaults)
    } catch {
      throw new EnvError(`SANDBOX_FAULTS must be JSON, got ${JSON.stringify(rawFaults)}`)
    }
    try {
      faults = checkFaults(parsed)
    } catch (err) {
      throw new EnvError(`SANDBOX_FAULTS is invalid: ${(err as Error).message}`)
    }
  }
  const baseDate = get('SANDBOX_BASE_DATE')
  if (baseDate !== undefined && parseDay(baseDate) === undefined) throw new EnvError(`SANDBOX_BASE_DATE must be a date (YYYY-MM-DD), got "${baseDate}"`)
  const logLevel = get('SANDBOX_LOG_LEVEL') ?? 'info'
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) throw new EnvError(`SANDBOX_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`)
  return {
    port: integer('SANDBOX_PORT', 4010, 0, 65535),
    host: get('SANDBOX_HOST') ?? '127.0.0.1',
    accountId: get('SANDBOX_ACCOUNT_ID') ?? DEFAULTS.accountId,
    apiKey: get('SANDBOX_API_KEY') ?? DEFAULTS.apiKey,
    seed: integer('SANDBOX_SEED', DEFAULTS.seed, 0, 0xFFFFFFFF),
    rateWindowMs: integer('SANDBOX_RATE_WINDOW_MS', DEFAULTS.rateWindowMs, 1),
    rateLimitIp: integer('SANDBOX_RATE_LIMIT_IP', DEFAULTS.rateLimitIp, 1),
    rateLimitAccount: integer('SANDBOX_RATE_LIMIT_ACCOUNT', DEFAULTS.rateLimitAccount, 1),
    faults,
    ...(baseDate === undefined ? {} : { baseDate }),
    logLevel: logLevel as LogLevelName
  }
}
