import { Type } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { LOG_LEVELS } from '../schemas/common.js'
import { formatDay, parseDay, todayDay } from './dates.js'
import { FaultsSchema, checkFaults } from './faults.js'
import type { SandboxLogger, SandboxOptions } from './types.js'

const Int = (value: number, minimum: number, description: string, maximum = Number.MAX_SAFE_INTEGER) =>
  Type.Integer({ default: value, minimum, maximum, description })

/**
 * Every sandbox setting with its default and rule. The programmatic options (SandboxOptionsSchema)
 * and the standalone server's environment variables (env.ts) are both checked against these.
 */
export const Settings = {
  seed: Int(42, 0, 'seed of the generated data and of the random fault draws'),
  accountId: Type.String({ default: '10000', minLength: 1, description: 'client_id accepted by POST /v1/accessTokens' }),
  apiKey: Type.String({ default: 'sandbox-secret', minLength: 1, description: 'client_secret accepted by POST /v1/accessTokens' }),
  rateLimitIp: Int(15, 1, 'requests admitted per client IP in any window'),
  rateLimitAccount: Int(20, 1, 'requests admitted per account in any window'),
  rateWindowMs: Int(10_000, 1, 'length of the sliding rate-limit window (ms)'),
  listingCount: Int(40, 1, 'number of generated listings (ids 1..listingCount)', 10_000),
  tokenTtlSeconds: Int(15_897_600, 1, 'expires_in of issued tokens (s)'),
  tokenSettleMs: Int(0, 0, 'a new token is refused for this many ms'),
  faults: Type.Optional(FaultsSchema),
  baseDate: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'day the data is laid out from (YYYY-MM-DD); default today (UTC)' }))
}

/** The programmatic options, except `logger` (an instance is no schema material; checked by hand). */
export const SandboxOptionsSchema = Type.Object(Settings, { additionalProperties: false })

/**
 * The rules a schema cannot express: a real calendar date, fault rates that add up to at most 1,
 * latency min ≤ max. Returns a message that starts with the option's name, or undefined.
 */
export function settingsProblem (opts: { baseDate?: string, faults?: unknown }): string | undefined {
  if (opts.baseDate !== undefined && parseDay(opts.baseDate) === undefined) return `baseDate must be a real date (YYYY-MM-DD), got "${opts.baseDate}"`
  try {
    checkFaults(opts.faults ?? {})
  } catch (err) {
    return (err as Error).message
  }
  return undefined
}

function isLogger (logger: unknown): logger is SandboxLogger {
  return typeof logger === 'boolean' ||
    (LOG_LEVELS as readonly unknown[]).includes(logger) ||
    (typeof logger === 'object' && logger !== null && typeof (logger as { child?: unknown }).child === 'function')
}

/** Fill in defaults and validate; throws a TypeError naming the bad option and the rule. */
export function resolveOptions (opts: Partial<SandboxOptions> = {}): SandboxOptions {
  const { logger = false, ...rest } = opts
  const options = Value.Default(SandboxOptionsSchema, { ...rest }) as Omit<SandboxOptions, 'logger'>
  const first = Value.Errors(SandboxOptionsSchema, options).First()
  if (first !== undefined) {
    const value = first.value === undefined || typeof first.value === 'object' ? '' : `, got ${JSON.stringify(first.value)}`
    throw new TypeError(`sandbox option ${first.path.slice(1) || '(options)'} ${first.message}${value}`)
  }
  const problem = settingsProblem(options)
  if (problem !== undefined) throw new TypeError(`sandbox option ${problem}`)
  if (!isLogger(logger)) throw new TypeError(`sandbox option logger must be a boolean, a level (${LOG_LEVELS.join(', ')}) or a logger`)
  return {
    ...options,
    faults: checkFaults(options.faults ?? {}),
    baseDate: options.baseDate ?? formatDay(todayDay()),
    logger
  }
}
