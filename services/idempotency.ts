import { createHash } from 'node:crypto'
import { httpErrors } from '@fastify/sensible'
import { shortDigest } from './auth.js'
import type { IdempotencyResult, Telemetry } from './telemetry.js'

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

/** What a claim finds when the key is held already: another body (422), still running (409), or a result to replay. */
export function heldClaim (held: { fingerprint: string, response?: StoredResponse }, fingerprint: string): ClaimResult {
  if (held.fingerprint !== fingerprint) return { state: 'mismatch' }
  if (held.response === undefined) return { state: 'in_progress' }
  return { state: 'replay', response: held.response }
}

/**
 * Idempotency-Key storage (IETF draft semantics). `claim` is atomic: exactly one caller gets
 * `claimed` for a key. In memory (one instance), or in Redis for several instances
 * (services/redis/idempotency.ts, chosen by REDIS_URL in plugins/app/idempotency.ts).
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
      return heldClaim(entry, fingerprint)
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

const CLAIM_RESULTS: Record<ClaimResult['state'], IdempotencyResult> = { claimed: 'claimed', replay: 'replayed', in_progress: 'conflict', mismatch: 'mismatch' }

/** `store`, its claims reported (a first run, a replay, 409 still running, 422 another body). */
export function observedClaims (store: IdempotencyStore, telemetry: Pick<Telemetry, 'idempotencyClaim'>): IdempotencyStore {
  return {
    async claim (key, fingerprint, ttlMs) {
      const result = await store.claim(key, fingerprint, ttlMs)
      telemetry.idempotencyClaim(CLAIM_RESULTS[result.state])
      return result
    },
    complete: (key, fingerprint, response, ttlMs) => store.complete(key, fingerprint, response, ttlMs),
    release: (key) => store.release(key),
    close: () => store.close()
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

/** One batch write, as the Idempotency-Key sees it. */
export interface IdempotentRequest {
  /** The Idempotency-Key header; without one the operation simply runs. */
  key: string | undefined
  /** The caller's X-API-Key header (absent when the API is open): keys are scoped to it, so two callers never share results. */
  caller: unknown
  /** What the key stands for: the same key with another method or body is refused (422). */
  method: string
  /** The route: each has its own keys. */
  path: string
  body: unknown
  /** How long a result is kept for replay (ms). */
  ttlMs: number
}

/** The caller's scope in store keys: a short digest of its API key, never the key itself. */
function scopeOf (caller: unknown): string {
  return typeof caller !== 'string' ? 'open' : shortDigest(caller, 16)
}

/**
 * Run `run` at most once per Idempotency-Key (IETF draft semantics, docs/contract.md). A first
 * request claims the key, runs and stores its result; the same key and body later replays the
 * stored result without running (`replayed: true`). The same key with another body is a 422, the
 * same key while the first request still runs a 409 (both thrown as HTTP errors). When `run`
 * throws, the claim is released so the request can be sent again.
 */
export async function withIdempotency<T> (store: IdempotencyStore, request: IdempotentRequest, run: () => Promise<T>): Promise<{ replayed: boolean, body: T }> {
  if (request.key === undefined) return { replayed: false, body: await run() }

  const storeKey = `${request.path}:${scopeOf(request.caller)}:${request.key}`
  const print = fingerprint(request.method, request.path, request.body)
  const claim = await store.claim(storeKey, print, request.ttlMs)
  if (claim.state === 'mismatch') throw httpErrors.unprocessableEntity('Idempotency-Key was already used with a different request body')
  if (claim.state === 'in_progress') throw httpErrors.conflict('A request with this Idempotency-Key is still being processed; retry later')
  if (claim.state === 'replay') return { replayed: true, body: claim.response.body as T }
  try {
    const body = await run()
    await store.complete(storeKey, print, { status: 200, body }, request.ttlMs)
    return { replayed: false, body }
  } catch (err) {
    await store.release(storeKey)
    throw err
  }
}
