import type { OperationResult } from '../../schemas/batch.js'
import { FINAL_STATUSES } from '../../schemas/job.js'
import type { ItemCounts, JobRecord, JobStore } from './model.js'

interface Entry {
  job: JobRecord
  items: Array<OperationResult<unknown>>
  indexes: Set<number>
  started: Set<number>
  /** the token of the run that claimed it last */
  run?: string
  counts: ItemCounts
  /** the Idempotency-Key that created it (scoped), forgotten with it */
  idempotencyKey?: string
}

export interface MemoryJobStoreOptions {
  /** JOB_RESULT_TTL_MS: how long a finished job is kept */
  ttlMs: number
  now?: () => number
  /** how often expired jobs are dropped (ms) */
  sweepMs?: number
}

/**
 * The jobs of one instance, in memory: they end with the process (/health says `jobs: memory`).
 * A finished job is forgotten `ttlMs` after it ended: at once when read past that, and by a sweep.
 */
export function createMemoryJobStore (opts: MemoryJobStoreOptions): JobStore {
  const now = opts.now ?? Date.now
  const entries = new Map<string, Entry>()
  const byKey = new Map<string, { id: string, fingerprint: string }>()

  const expired = (entry: Entry) => entry.job.finished_at !== null && FINAL_STATUSES.has(entry.job.status) && entry.job.finished_at + opts.ttlMs <= now()

  function drop (id: string, entry: Entry): void {
    entries.delete(id)
    if (entry.idempotencyKey !== undefined) byKey.delete(entry.idempotencyKey)
  }

  function live (id: string): Entry | undefined {
    const entry = entries.get(id)
    if (entry !== undefined && expired(entry)) {
      drop(id, entry)
      return undefined
    }
    return entry
  }

  const sweep = setInterval(() => {
    for (const [id, entry] of entries) if (expired(entry)) drop(id, entry)
  }, opts.sweepMs ?? 60_000)
  sweep.unref()

  /** A copy, so that a caller changing what it read changes nothing here. */
  const copy = (job: JobRecord): JobRecord => ({ ...job })

  return {
    async create (job, idempotency) {
      if (idempotency !== undefined) {
        const held = byKey.get(idempotency.key)
        const entry = held === undefined ? undefined : live(held.id)
        if (held !== undefined && entry !== undefined) {
          return held.fingerprint === idempotency.fingerprint ? { job: copy(entry.job), created: false } : 'mismatch'
        }
        byKey.set(idempotency.key, { id: job.id, fingerprint: idempotency.fingerprint })
      }
      entries.set(job.id, { job: copy(job), items: [], indexes: new Set(), started: new Set(), counts: { done: 0, success: 0, failure: 0 }, idempotencyKey: idempotency?.key })
      return { job: copy(job), created: true }
    },
    async get (id) {
      const entry = live(id)
      return entry === undefined ? undefined : copy(entry.job)
    },
    async list (owner, limit) {
      const mine: JobRecord[] = []
      for (const [id, entry] of entries) if (entry.job.owner === owner && live(id) !== undefined) mine.push(copy(entry.job))
      return mine.sort((a, b) => b.created_at - a.created_at).slice(0, limit)
    },
    async update (id, patch) {
      const entry = entries.get(id)
      if (entry !== undefined) entry.job = { ...entry.job, ...patch }
    },
    async claim (id, run) {
      const entry = entries.get(id)
      if (entry !== undefined) entry.run = run
    },
    async start (id, index, durable, run) {
      const entry = entries.get(id)
      if (entry === undefined) return { cancelled: true, lost: false }
      if (run !== undefined && entry.run !== run) return { cancelled: entry.job.cancel_requested, lost: true }
      if (durable) entry.started.add(index)
      return { cancelled: entry.job.cancel_requested, lost: false }
    },
    async release (id, index) {
      entries.get(id)?.started.delete(index)
    },
    async owns (id, run) {
      return entries.get(id)?.run === run
    },
    async started (id) {
      return [...entries.get(id)?.started ?? []]
    },
    async append (id, results) {
      const entry = entries.get(id)
      if (entry === undefined) return
      for (const result of results) {
        if (entry.indexes.has(result.index)) continue
        entry.indexes.add(result.index)
        entry.items.push(result)
        entry.counts.done++
        if (result.success) entry.counts.success++
        else entry.counts.failure++
      }
    },
    async items (id, after, limit) {
      return entries.get(id)?.items.slice(after, after + limit) ?? []
    },
    async counts (id) {
      return { ...entries.get(id)?.counts ?? { done: 0, success: 0, failure: 0 } }
    },
    async close () {
      clearInterval(sweep)
    }
  }
}
