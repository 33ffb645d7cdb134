import { formatDay, parseDay, todayDay } from './dates.js'
import { checkFaults } from './faults.js'
import type { SandboxOptions } from './types.js'

export const DEFAULTS = {
  seed: 42,
  accountId: '10000',
  apiKey: 'sandbox-secret',
  rateLimitIp: 15,
  rateLimitAccount: 20,
  rateWindowMs: 10_000,
  tokenTtlSeconds: 15_897_600,
  tokenSettleMs: 0
} as const

function integer (name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) throw new TypeError(`sandbox option ${name} must be an integer >= ${min}, got ${String(value)}`)
  return value
}

function text (name: string, value: string): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`sandbox option ${name} must be a non-empty string`)
  return value
}

/** Fill in defaults and validate; throws a TypeError naming the bad option. */
export function resolveOptions (opts: Partial<SandboxOptions> = {}): SandboxOptions {
  const baseDate = opts.baseDate ?? formatDay(todayDay())
  if (parseDay(baseDate) === undefined) throw new TypeError(`sandbox option baseDate must be a date (YYYY-MM-DD), got "${baseDate}"`)
  let faults
  try {
    faults = checkFaults(opts.faults ?? {})
  } catch (err) {
    throw new TypeError(`sandbox option ${(err as Error).message}`)
  }
  return {
    seed: integer('seed', opts.seed ?? DEFAULTS.seed, 0),
    accountId: text('accountId', opts.accountId ?? DEFAULTS.accountId),
    apiKey: text('apiKey', opts.apiKey ?? DEFAULTS.apiKey),
    rateLimitIp: integer('rateLimitIp', opts.rateLimitIp ?? DEFAULTS.rateLimitIp, 1),
    rateLimitAccount: integer('rateLimitAccount', opts.rateLimitAccount ?? DEFAULTS.rateLimitAccount, 1),
    rateWindowMs: integer('rateWindowMs', opts.rateWindowMs ?? DEFAULTS.rateWindowMs, 1),
    tokenTtlSeconds: integer('tokenTtlSeconds', opts.tokenTtlSeconds ?? DEFAULTS.tokenTtlSeconds, 1),
    tokenSettleMs: integer('tokenSettleMs', opts.tokenSettleMs ?? DEFAULTS.tokenSettleMs, 0),
    faults,
    baseDate,
    logger: opts.logger ?? false
  }
}
