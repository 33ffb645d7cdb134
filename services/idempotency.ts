import { createHash } from 'node:crypto'

/** A stored outcome of a batch write, replayed for the same Idempotency-Key and body. */
export interface StoredResponse {
  status: number
  body: unknown
}

export type ClaimResult =
  | { state: 'claimed' }
  | { state: 'replay', response: StoredResponse }
  | { state: 'mismatch' }
  | { state: 'in_progress' }

/**
 * Idempotency-Key storage (IETF draft semantics). `claim` is atomic: exactly one caller gets
 * `claimed` for a key. In memory today; a Redis store (SET NX PX + GET) can implement it for
 * several gateway instances.
 */
export interface IdempotencyStore {
  claim (key: string, fingerprint: string, ttlMs: number): Promise<ClaimResult>
  complete (key: string, fingerprint: string, response: StoredResponse, ttlMs: number): Promise<void>
  /** Forget a claim whose request failed before producing a result, so it can be retried. */
  release (key: string): Promise<void>
  close (): Promise<void>
}

interface Entry {
  fingerprint: string
  response?: StoredResponse
  expiresAt: number
}

export function createMemoryIdempotencyStore (opts: { now?: () => number, sweepMs?: number } = {}): IdempotencyStore {
  const now = opts.now ?? Date.now
  const entries = new Map<string, Entry>()
  const sweep = setInterval(() => {
    const t = now()
    for (const [key, entry] of entries) if (entry.expiresAt <= t) entries.delete(key)
  }, opts.sweepMs ?? 60_000)
  sweep.unref()

  function live (key: string): Entry | undefined {
    const entry = entries.get(key)
    if (entry !== undefined && entry.expiresAt <= now()) {
      entries.delete(key)
      return undefined
    }
    return entry
  }

  return {
    async claim (key, fingerprint, ttlMs) {
      const entry = live(key)
      if (entry === undefined) {
        entries.set(key, { fingerprint, expiresAt: now() + ttlMs })
        return { state: 'claimed' }
      }
      if (entry.fingerprint !== fingerprint) return { state: 'mismatch' }
      if (entry.response === undefined) return { state: 'in_progress' }
      return { state: 'replay', response: entry.response }
    },
    async complete (key, fingerprint, response, ttlMs) {
      entries.set(key, { fingerprint, response, expiresAt: now() + ttlMs })
    },
    async release (key) {
      const entry = entries.get(key)
      if (entry !== undefined && entry.response === undefined) entries.delete(key)
    },
    async close () {
      clearInterval(sweep)
      entries.clear()
    }
  }
}

/** Canonical JSON (sorted keys) so the same body in another key order has the same fingerprint. */
function canonical (value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>
    return `{${Object.keys(obj).sort().filter((k) => obj[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonical(obj[k])}`).join(',')}}`
  }
  return JSON.stringify(value)
}

export function fingerprint (method: string, path: string, body: unknown): string {
  return createHash('sha256').update(`${method} ${path}\n${canonical(body)}`).digest('hex')
}
