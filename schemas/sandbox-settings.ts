import { Type } from '@sinclair/typebox'

const Int = (value: number, minimum: number, description: string, maximum = Number.MAX_SAFE_INTEGER) =>
  Type.Integer({ default: value, minimum, maximum, description })

/**
 * The sandbox's plain settings with their defaults and rules: the sandbox's options and its
 * standalone environment (sandbox/options.ts, sandbox/env.ts) and the gateway's variables for the
 * embedded sandbox (schemas/config.ts) are checked against these same schemas. Here rather than in
 * sandbox/ so that schemas/ imports nothing of the sandbox (docs/architecture.md); the sandbox-only
 * ones that need its code (faults) stay in sandbox/options.ts.
 */
export const SandboxSettings = {
  seed: Int(42, 0, 'seed of the generated data and of the random fault draws'),
  accountId: Type.String({ default: '10000', minLength: 1, description: 'client_id accepted by POST /v1/accessTokens' }),
  apiKey: Type.String({ default: 'sandbox-secret', minLength: 1, description: 'client_secret accepted by POST /v1/accessTokens' }),
  rateLimitIp: Int(15, 1, 'requests admitted per client IP in any window'),
  rateLimitAccount: Int(20, 1, 'requests admitted per account in any window'),
  rateWindowMs: Int(10_000, 1, 'length of the sliding rate-limit window (ms)'),
  listingCount: Int(40, 1, 'number of generated listings (ids 1..listingCount)', 10_000),
  tokenTtlSeconds: Int(15_897_600, 1, 'expires_in of issued tokens (s)'),
  tokenSettleMs: Int(0, 0, 'a new token is refused for this many ms'),
  baseDate: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'day the data is laid out from (YYYY-MM-DD); default today (UTC)' }))
}
