import { createHash } from 'node:crypto'
import { httpErrors } from '@fastify/sensible'
import { shortDigest } from './auth.js'
import type { IdempotencyResult, Telemetry } from './telemetry.js'

/** A stored outcome of a batch write: replayed for the same Idempotency-Key and body, or resumed from (a checkpoint). */
export interface StoredResponse {
  status: number
  body: unknown
}

export type ClaimResult =
  /** `checkpoint`: what an earlier run of the key, cut short, finished: the run resumes from it */
  | { state: 'claimed', checkpoint?: StoredResponse }
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
 * `claimed` for a key. A key holds a running claim, a final result (replayed), or a checkpoint: the
 * finished items of a run cut short because its client went away, which the next claim of the
 * same body resumes from. In memory (one instance, bounded), or in Redis for several instances
 * (services/redis/idempotency.ts, chosen by REDIS_URL in plugins/app/idempotency.ts).
 */
export interface IdempotencyStore {
  claim (key: string, fingerprint: string, ttlMs: number): Promise<ClaimResult>
  /** Store the final result of the claimed key: replayed from now on. */
  complete (key: string, fingerprint: string, response: StoredResponse, ttlMs: number): Promise<void>
  /** Store what a run cut short finished, and free the claimed key: the next claim resumes from it. */
  checkpoint (key: string, fingerprint: string, partial: StoredResponse, ttlMs: number): Promise<void>
  /** Forget a claim whose request failed before producing a result, so it can be retried (a checkpoint it resumed from stays). */
  release (key: string): Promise<void>
  close (): Promise<void>
}

export interface MemoryIdempotencyOptions {
  now?: () => number
  /** how often expired entries are dropped (ms) */
  sweepMs?: number
  /** most keys kept, claims running included (BATCH_IDEMPOTENCY_MAX_ENTRIES) */
  maxEntries?: number
  /** most memory the keys and stored results may hold, estimated (bytes, BATCH_IDEMPOTENCY_MAX_BYTES) */
  maxBytes?: number
  /** told of each stored result forgotten to stay within the bounds (metrics) */
  onEvict?: () => void
}

/** What a key costs besides its strings: the Map slot, the entry object, string headers (bytes, an estimate). */
const ENTRY_OVERHEAD_BYTES = 200

interface Entry {
  fingerprint: string
  /** the final result, as JSON: replayed */
  response?: string
  /** the finished items of a run cut short, as JSON: resumed by the next claim */
  checkpoint?: string
  /** a request runs under the key now: never evicted */
  running: boolean
  expiresAt: number
  /** the memory it holds, estimated */
  bytes: number
}

/**
 * The Idempotency-Key store of one instance, in memory, bounded: at most `maxEntries` keys and
 * `maxBytes` of keys and results (estimated: 2 bytes a character, V8's widest strings, plus a fixed
 * overhead a key), the oldest stored results forgotten first (`onEvict`), expired ones swept.
 * Results are kept as JSON, so what is replayed is a copy and its size is known. A running claim
 * is never forgotten (the same key would run twice); a key whose result was forgotten runs again.
 */
export function createMemoryIdempotencyStore (opts: MemoryIdempotencyOptions = {}): IdempotencyStore & { stats: () => { entries: number, bytes: number } } {
  const now = opts.now ?? Date.now
  const maxEntries = opts.maxEntries ?? Infinity
  const maxBytes = opts.maxBytes ?? Infinity
  /** in the order stored: the oldest first */
  const entries = new Map<string, Entry>()
  let bytes = 0
  const sweep = setInterval(() => {
    const t = now()
    for (const [key, entry] of entries) if (entry.expiresAt <= t) drop(key, entry)
  }, opts.sweepMs ?? 60_000)
  sweep.unref()

  function drop (key: string, entry: Entry): void {
    entries.delete(key)
    bytes -= entry.bytes
  }

  /** Store `entry` under `key` as the newest, then forget the oldest results until within the bounds. */
  function put (key: string, entry: Omit<Entry, 'bytes'>): void {
    const old = entries.get(key)
    if (old !== undefined) drop(key, old)
    const size = ENTRY_OVERHEAD_BYTES + 2 * (key.length + entry.fingerprint.length + (entry.response?.length ?? 0) + (entry.checkpoint?.length ?? 0))
    entries.set(key, { ...entry, bytes: size })
    bytes += size
    if (entries.size <= maxEntries && bytes <= maxBytes) return
    for (const [oldest, held] of entries) {
      if (entries.size <= maxEntries && bytes <= maxBytes) break
      if (held.running) continue
      drop(oldest, held)
      opts.onEvict?.()
    }
  }

  function live (key: string): Entry | undefined {
    const entry = entries.get(key)
    if (entry !== undefined && entry.expiresAt <= now()) {
      drop(key, entry)
      return undefined
    }
    return entry
  }

  return {
    async claim (key, fingerprint, ttlMs) {
      const entry = live(key)
      if (entry === undefined) {
        put(key, { fingerprint, running: true, expiresAt: now() + ttlMs })
        return { state: 'claimed' }
      }
      if (entry.fingerprint !== fingerprint) return { state: 'mismatch' }
      if (entry.response !== undefined) return { state: 'replay', response: JSON.parse(entry.response) as StoredResponse }
      if (entry.running || entry.checkpoint === undefined) return { state: 'in_progress' }
      entry.running = true
      return { state: 'claimed', checkpoint: JSON.parse(entry.checkpoint) as StoredResponse }
    },
    async complete (key, fingerprint, response, ttlMs) {
      put(key, { fingerprint, response: JSON.stringify(response), running: false, expiresAt: now() + ttlMs })
    },
    async checkpoint (key, fingerprint, partial, ttlMs) {
      put(key, { fingerprint, checkpoint: JSON.stringify(partial), running: false, expiresAt: now() + ttlMs })
    },
    async release (key) {
      const entry = entries.get(key)
      if (entry === undefined || entry.response !== undefined) return
      if (entry.checkpoint !== undefined) entry.running = false
      else drop(key, entry)
    },
    async close () {
      clearInterval(sweep)
      entries.clear()
      bytes = 0
    },
    stats: () => ({ entries: entries.size, bytes })
  }
}

const CLAIM_RESULTS: Record<ClaimResult['state'], IdempotencyResult> = { claimed: 'claimed', replay: 'replayed', in_progress: 'conflict', mismatch: 'mismatch' }

/** `store`, its claims reported (a first run, a resumed one, a replay, 409 still running, 422 another body). */
export function observedClaims (store: IdempotencyStore, telemetry: Pick<Telemetry, 'idempotencyClaim'>): IdempotencyStore {
  return {
    async claim (key, fingerprint, ttlMs) {
      const result = await store.claim(key, fingerprint, ttlMs)
      telemetry.idempotencyClaim(result.state === 'claimed' && result.checkpoint !== undefined ? 'resumed' : CLAIM_RESULTS[result.state])
      return result
    },
    complete: (key, fingerprint, response, ttlMs) => store.complete(key, fingerprint, response, ttlMs),
    checkpoint: (key, fingerprint, partial, ttlMs) => store.checkpoint(key, fingerprint, partial, ttlMs),
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

/** How a run under an Idempotency-Key ended. */
export interface RunOutcome<T> {
  body: T
  /**
   * false: the run was cut short with items still to do (its client went away): the result is kept
   * as a checkpoint that the next request with the key resumes from, never replayed as the answer.
   */
  complete: boolean
}

/**
 * Run `run` at most once per Idempotency-Key (IETF draft semantics, docs/contract.md). A first
 * request claims the key, runs and stores its result; the same key and body later replays the
 * stored result without running (`replayed: true`). The same key with another body is a 422, the
 * same key while the first request still runs a 409 (both thrown as HTTP errors). A run that was
 * not complete is stored as a checkpoint: the next request with the key runs again, given what the
 * earlier one finished (`run(resumeFrom)`), until one completes. When `run` throws, the claim is
 * released so the request can be sent again.
 */
export async function withIdempotency<T> (store: IdempotencyStore, request: IdempotentRequest, run: (resumeFrom: T | undefined) => Promise<RunOutcome<T>>): Promise<{ replayed: boolean, body: T }> {
  if (request.key === undefined) return { replayed: false, body: (await run(undefined)).body }

  const storeKey = `${request.path}:${scopeOf(request.caller)}:${request.key}`
  const print = fingerprint(request.method, request.path, request.body)
  const claim = await store.claim(storeKey, print, request.ttlMs)
  if (claim.state === 'mismatch') throw httpErrors.unprocessableEntity('Idempotency-Key was already used with a different request body')
  if (claim.state === 'in_progress') throw httpErrors.conflict('A request with this Idempotency-Key is still being processed; retry later')
  if (claim.state === 'replay') return { replayed: true, body: claim.response.body as T }
  try {
    const { body, complete } = await run(claim.checkpoint?.body as T | undefined)
    const stored = { status: 200, body }
    await (complete ? store.complete(storeKey, print, stored, request.ttlMs) : store.checkpoint(storeKey, print, stored, request.ttlMs))
    return { replayed: false, body }
  } catch (err) {
    await store.release(storeKey)
    throw err
  }
}
