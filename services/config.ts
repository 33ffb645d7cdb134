import { accessSync, constants, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { ConfigSchema, type Config } from '../schemas/config.js'
import { parseApiKeys } from './auth.js'
import { commaList, ConfigError, parseEnv } from '../lib/env.js'
import { parseAllowedHosts, parseAllowedOrigins } from './host-guard.js'

export { ConfigError }

/**
 * Build the one validated config object from environment variables (see parseEnv).
 * Throws a ConfigError whose message is one line naming the variable and the rule.
 */
export function loadConfig (env: Record<string, string | undefined> = process.env): Config {
  const config = parseEnv(ConfigSchema, env)
  if ((config.HOSTAWAY_ACCOUNT_ID === undefined) !== (config.HOSTAWAY_API_KEY === undefined)) {
    throw new ConfigError('Invalid configuration: HOSTAWAY_ACCOUNT_ID and HOSTAWAY_API_KEY must be set together (or both unset to use the sandbox)')
  }
  if (!httpUrl(config.HOSTAWAY_BASE_URL)) {
    throw new ConfigError(`Invalid configuration: HOSTAWAY_BASE_URL must be an http(s) URL with a host, e.g. https://api.hostaway.com/v1 (got ${JSON.stringify(config.HOSTAWAY_BASE_URL)})`)
  }
  // a base URL without credentials would be ignored (the embedded sandbox runs): refuse it rather than pretend
  if (env.HOSTAWAY_BASE_URL !== undefined && env.HOSTAWAY_BASE_URL !== '' && config.HOSTAWAY_ACCOUNT_ID === undefined) {
    throw new ConfigError('Invalid configuration: HOSTAWAY_BASE_URL is set but HOSTAWAY_ACCOUNT_ID and HOSTAWAY_API_KEY are not: set them too, or unset HOSTAWAY_BASE_URL to use the embedded sandbox')
  }
  if ((config.HOSTAWAY_WEBHOOK_USER === undefined) !== (config.HOSTAWAY_WEBHOOK_PASSWORD === undefined)) {
    throw new ConfigError('Invalid configuration: HOSTAWAY_WEBHOOK_USER and HOSTAWAY_WEBHOOK_PASSWORD must be set together (or both unset: no webhook receiver)')
  }
  if (config.REDIS_URL !== undefined && !validRedisUrl(config.REDIS_URL)) {
    throw new ConfigError('Invalid configuration: REDIS_URL is not a valid URL (redis://[user:password@]host[:port][/db], rediss://… or unix:///path/to/redis.sock)')
  }
  if (config.LIMITER_WEIGHTS !== undefined) checked('LIMITER_WEIGHTS', 'entries: caller=weight, weight 1-16', () => limiterWeights(config))
  const origins = config.MCP_ALLOWED_ORIGINS
  if (origins !== undefined) checked('MCP_ALLOWED_ORIGINS', 'entries: http(s)://host[:port]', () => parseAllowedOrigins(origins))
  const hosts = config.ALLOWED_HOSTS
  if (hosts !== undefined) checked('ALLOWED_HOSTS', 'entries: host names or addresses', () => parseAllowedHosts(hosts))
  if (config.AUDIT_LOG !== 'stdout') {
    const problem = auditFileProblem(config.AUDIT_LOG)
    if (problem !== undefined) throw new ConfigError(`Invalid configuration: AUDIT_LOG ${problem} (stdout, or a file path in a directory that exists)`)
  }
  const keys = config.API_KEYS
  if (keys !== undefined) checked('API_KEYS', 'entries: key or key:scope+scope', () => parseApiKeys(keys))
  return config
}

/** Run the parse of variable `name`; its Error becomes a ConfigError naming the variable, with `hint`. */
function checked (name: string, hint: string, parse: () => unknown): void {
  try {
    parse()
  } catch (err) {
    throw new ConfigError(`Invalid configuration: ${name} ${(err as Error).message} (${hint})`)
  }
}

/** The accepted API keys (as validated by loadConfig), or an empty list when the API is open. */
export function apiKeys (config: Pick<Config, 'API_KEYS'>): string[] {
  return config.API_KEYS === undefined ? [] : parseApiKeys(config.API_KEYS).map((e) => e.key)
}

/** An http(s) URL with a host (`http://` alone is not one). */
function httpUrl (url: string): boolean {
  try {
    const u = new URL(url)
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== ''
  } catch {
    return false
  }
}

/** A REDIS_URL the Redis client can use: a host for redis(s)://, a path for unix://. */
function validRedisUrl (url: string): boolean {
  try {
    const u = new URL(url)
    return u.protocol === 'unix:' ? u.pathname.length > 1 : u.hostname !== '' && /^\/?\d*$/.test(u.pathname)
  } catch {
    return false
  }
}

/** Why the audit log cannot be appended to `path` (undefined: it can). */
function auditFileProblem (path: string): string | undefined {
  const file = resolve(path)
  try {
    const stat = statSync(file, { throwIfNoEntry: false })
    if (stat !== undefined) {
      if (!stat.isFile()) return `${path} is not a regular file`
      accessSync(file, constants.W_OK)
      return undefined
    }
    if (!statSync(dirname(file)).isDirectory()) return `${path}: its directory is not a directory`
    accessSync(dirname(file), constants.W_OK)
    return undefined
  } catch (err) {
    const code = (err as { code?: string }).code
    return code === 'ENOENT' ? `${path}: its directory does not exist` : `${path} is not writable (${code ?? 'error'})`
  }
}

/** Most turns a caller may get for each turn of a caller of weight 1. */
export const MAX_LIMITER_WEIGHT = 16

/** The limiter's weight of each caller (LIMITER_WEIGHTS as validated by loadConfig; 1 unless listed). */
export function limiterWeightOf (config: Pick<Config, 'LIMITER_WEIGHTS'>): (caller: string) => number {
  const weights = limiterWeights(config)
  return (caller) => weights.get(caller) ?? 1
}

/**
 * LIMITER_WEIGHTS: `caller=weight` entries, comma-separated; a caller is an API key's id or
 * `ip:<address>` (the last `=` separates the weight). Throws an Error naming the bad entry.
 */
export function limiterWeights (config: Pick<Config, 'LIMITER_WEIGHTS'>): Map<string, number> {
  const weights = new Map<string, number>()
  for (const entry of commaList(config.LIMITER_WEIGHTS ?? '')) {
    const at = entry.lastIndexOf('=')
    const caller = entry.slice(0, at).trim()
    const weight = Number(entry.slice(at + 1).trim())
    if (at <= 0 || caller === '' || !/^\d+$/.test(entry.slice(at + 1).trim()) || weight < 1 || weight > MAX_LIMITER_WEIGHT) {
      throw new Error(`has a bad entry "${entry}"`)
    }
    weights.set(caller, weight)
  }
  return weights
}

/** The NODE_ENV values that mean something (only `production` changes behaviour; the others are the usual names). */
export const KNOWN_NODE_ENVS = ['production', 'development', 'test'] as const

/**
 * What the configuration accepts but probably does not mean, one log line each at start:
 * `NODE_ENV=prod` is not production (the embedded sandbox may run), so say so rather than keep quiet.
 */
export function configWarnings (config: Pick<Config, 'NODE_ENV'>): string[] {
  const env = config.NODE_ENV
  if (env === undefined || (KNOWN_NODE_ENVS as readonly string[]).includes(env)) return []
  return [`NODE_ENV=${JSON.stringify(env).slice(1, -1)} is not one of ${KNOWN_NODE_ENVS.join(', ')}: it is treated as not production (only NODE_ENV=production forbids the embedded sandbox)`]
}

/**
 * Why the server could not listen on HOST:PORT, as one line (like a config error) rather than a
 * stack: the address is in use, the host does not resolve or is not this machine's, or the port
 * needs privileges.
 */
export function listenErrorLine (err: unknown, { host, port }: { host: string, port: number }): string {
  const code = (err as { code?: unknown } | null)?.code
  const where = `${host}:${port}`
  switch (code) {
    case 'EADDRINUSE': return `Cannot listen on ${where}: the port is already in use (stop the other process, or set PORT to another port; PORT=0 picks a free one)`
    case 'ENOTFOUND':
    case 'EAI_AGAIN': return `Cannot listen on ${where}: HOST ${JSON.stringify(host)} does not resolve to an address (set HOST to an address of this machine, e.g. 127.0.0.1 or 0.0.0.0)`
    case 'EADDRNOTAVAIL': return `Cannot listen on ${where}: HOST ${JSON.stringify(host)} is not an address of this machine (set HOST to one, e.g. 127.0.0.1 or 0.0.0.0)`
    case 'EACCES': return `Cannot listen on ${where}: permission denied (ports below 1024 need privileges; set PORT to 1024 or above)`
    default: return `Cannot listen on ${where}: ${String((err as Error | undefined)?.message ?? err).split('\n')[0]}`
  }
}
