import { Type } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { LOG_LEVELS } from '../schemas/common.js'
import { SandboxSettings } from '../schemas/sandbox-settings.js'
import { formatDay, parseDay, todayDay } from './dates.js'
import { FaultsSchema, checkFaults } from './faults.js'
import type { SandboxLogger, SandboxOptions } from './types.js'

/**
 * Every sandbox setting with its default and rule. The programmatic options (SandboxOptionsSchema)
 * and the standalone server's environment variables (env.ts) are both checked against these.
 */
export const Settings = {
  ...SandboxSettings,
  faults: Type.Optional(FaultsSchema)
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
