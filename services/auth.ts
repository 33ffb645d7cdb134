import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { commaList } from '../lib/env.js'

/**
 * What an API key may do: read data, write it, see the listing fields that grant access to a
 * property, scrape /metrics, send messages to guests (`messages`: apart from `write`, so a
 * read+write integration cannot message guests unless granted).
 */
export const SCOPES = ['read', 'write', 'secrets', 'metrics', 'messages'] as const
export type Scope = typeof SCOPES[number]

/** The caller of a request, as far as the gateway knows it. */
export interface Caller {
  /** a short digest of the caller's key ('open' when the API has no keys): safe to log, never the key */
  id: string
  scopes: ReadonlySet<Scope>
}

/** Everyone, when API_KEYS is unset. */
export const OPEN_CALLER: Caller = Object.freeze({ id: 'open', scopes: new Set(SCOPES) })

export interface ApiKeyEntry {
  key: string
  scopes: Scope[]
}

/** The first `hexDigits` hex digits of the SHA-256 of `text`: a short, stable, non-reversible name of a secret. */
export function shortDigest (text: string, hexDigits: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, hexDigits)
}

/** A short, stable, non-reversible id of an API key, for logs, audit lines and per-caller state. */
export function keyId (key: string): string {
  return shortDigest(key, 12)
}

/**
 * API_KEYS: comma-separated entries, each `key` (every scope) or `key:scope+scope`
 * (e.g. `reporting-key:read`, `ops-key:read+write`). Throws an Error naming the bad entry.
 */
export function parseApiKeys (raw: string): ApiKeyEntry[] {
  const entries = commaList(raw).map((entry): ApiKeyEntry => {
    const at = entry.indexOf(':')
    if (at === -1) return { key: entry, scopes: [...SCOPES] }
    const key = entry.slice(0, at).trim()
    const names = entry.slice(at + 1).split('+').map((s) => s.trim())
    if (key === '') throw new Error('an entry has scopes but no key')
    for (const name of names) {
      if (!(SCOPES as readonly string[]).includes(name)) throw new Error(`unknown scope "${name}" (scopes: ${SCOPES.join(', ')})`)
    }
    return { key, scopes: [...new Set(names as Scope[])] }
  })
  if (entries.length === 0) throw new Error('no key in the list')
  return entries
}

/**
 * The caller of a request that needs `scope` (none: any valid key), given the key it sent
 * (`identify` of plugins/app/auth.ts): `unauthorized` without a valid key, `forbidden` when the key
 * lacks the scope.
 */
export function authorize (identify: (key: string | undefined) => Caller | undefined, key: string | undefined, scope: Scope | undefined): Caller | 'unauthorized' | 'forbidden' {
  const caller = identify(key)
  if (caller === undefined) return 'unauthorized'
  return scope === undefined || caller.scopes.has(scope) ? caller : 'forbidden'
}

/** Where a route takes the API key from, and what its 401 says. */
export interface KeySource {
  keyOf: (headers: IncomingHttpHeaders) => string | undefined
  missing: string
}

const BEARER = /^Bearer\s+(\S+)\s*$/i

/** The API key of a request: the `X-API-Key` header, else `Authorization: Bearer <key>`. */
export function apiKeyOf (headers: IncomingHttpHeaders): string | undefined {
  const header = headers['x-api-key']
  if (typeof header === 'string' && header !== '') return header
  return BEARER.exec(headers.authorization ?? '')?.[1]
}

/**
 * Every keyed route (/api, /mcp, /metrics): X-API-Key or a bearer token (what MCP clients,
 * Prometheus and most HTTP clients send); one rule, said once in docs/api.md.
 */
export const API_KEY_OR_BEARER: KeySource = {
  keyOf: apiKeyOf,
  missing: 'Missing or invalid API key: send X-API-Key: <key> or Authorization: Bearer <key>'
}

const digest = (s: string) => createHash('sha256').update(s).digest()

/**
 * Identifies the caller of an X-API-Key value. Keys are compared as SHA-256 digests with
 * `timingSafeEqual`, so neither the content nor the length of a key leaks through timing; every
 * key is compared, so the position of a match does not leak either.
 */
export function createApiKeyChecker (entries: readonly ApiKeyEntry[]): (candidate: string | undefined) => Caller | undefined {
  const known = entries.map((e) => ({ digest: digest(e.key), caller: { id: keyId(e.key), scopes: new Set(e.scopes) } }))
  return (candidate) => {
    if (candidate === undefined || candidate === '') return undefined
    const given = digest(candidate)
    let found: Caller | undefined
    for (const k of known) if (timingSafeEqual(k.digest, given)) found = k.caller
    return found
  }
}
