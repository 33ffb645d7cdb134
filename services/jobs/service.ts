import { randomUUID } from 'node:crypto'
import { httpErrors } from '@fastify/sensible'
import type { FastifyBaseLogger } from 'fastify'
import type { OperationResult, PartialFailureResponse } from '../../schemas/batch.js'
import { FINAL_STATUSES, type Job, type JobItemsPage, type JobOperation, type JobSummary } from '../../schemas/job.js'
import type { Caller } from '../auth.js'
import { fingerprint } from '../idempotency.js'
import type { Operations } from '../operations.js'
import { redactResults, type Redactor } from '../secrets.js'
import type { ItemCounts, JobRecord, JobStore } from './model.js'
import { JOB_KINDS, readerRedactor } from './operations.js'
import type { JobMetrics } from './metrics.js'
import { createJobExecutor } from './execute.js'
import { createMemoryRunner, type JobExecutor, type JobRunner } from './runner.js'

export { createMemoryRunner, shutdownError, type JobExecutor, type JobRunner, type JobStop } from './runner.js'

/** Who creates a job, and on whose share of the budget it runs. */
export interface JobCreator {
  caller: Caller
  share: string
  requestId: string | undefined
}

export interface JobServiceDeps {
  store: JobStore
  operations: Operations
  logger: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>
  /** JOB_RESULT_TTL_MS: how long a finished job is kept (reported as expires_at) */
  resultTtlMs: number
  now?: () => number
  /** How jobs run (default: in this process). */
  runner?: (execute: JobExecutor) => JobRunner
  /** metrics (default: none) */
  metrics?: (running: () => number) => JobMetrics
}

/** Finished items as `redact` leaves them (failures carry no data). */
function redactedItems (items: Array<OperationResult<unknown>>, redact: Redactor): Array<OperationResult<unknown>> {
  return redactResults({ successful: items as Array<OperationResult<object>> }, redact).successful
}

const iso = (ms: number | null) => ms === null ? null : new Date(ms).toISOString()

/**
 * The jobs of the gateway: a batch route given `Prefer: respond-async` creates one (202 with its
 * Location) instead of running the batch within the request. A job runs the same operation the
 * route runs (services/operations.ts), without a request deadline, on its creator's fair share of
 * the upstream budget, its items' results stored as they finish. Only the key that created a job
 * sees it (others get 404); what it sees of the secret fields depends on its scopes when it reads.
 */
export function createJobService (deps: JobServiceDeps) {
  const { store, operations, logger } = deps
  const now = deps.now ?? Date.now
  /** callers waiting for a change of a job (SSE streams of this instance) */
  const waiters = new Map<string, Set<() => void>>()
  /** jobs running here now */
  let active = 0
  const metrics: JobMetrics = deps.metrics?.(() => active) ?? { created () {}, started () {}, item () {}, finished () {} }

  function notify (id: string): void {
    const set = waiters.get(id)
    if (set === undefined) return
    waiters.delete(id)
    for (const wake of set) wake()
  }

  const execute = createJobExecutor({ store, operations, logger, now, metrics, notify, running: (delta) => { active += delta } })

  const runner = (deps.runner ?? createMemoryRunner)(execute)

  /** A job as `reader` may see it (undefined: no such job, or not its own). */
  async function readable (id: string, reader: Caller): Promise<JobRecord | undefined> {
    const job = await store.get(id)
    return job === undefined || job.owner !== reader.id ? undefined : job
  }

  function summary (job: JobRecord, counts: ItemCounts): JobSummary {
    const running = job.status === 'running' && job.started_at !== null && counts.done > 0
    const estimate = running ? (job.started_at as number) + (now() - (job.started_at as number)) * job.total_count / counts.done : null
    return {
      id: job.id,
      operation: job.operation,
      status: job.status,
      total_count: job.total_count,
      done_count: FINAL_STATUSES.has(job.status) ? job.total_count : counts.done,
      success_count: job.result?.success_count ?? counts.success,
      failure_count: job.result?.failure_count ?? counts.failure,
      created_at: iso(job.created_at) as string,
      started_at: iso(job.started_at),
      finished_at: iso(job.finished_at),
      estimated_finish_at: estimate === null ? null : iso(Math.round(estimate)),
      expires_at: job.finished_at === null ? null : iso(job.finished_at + deps.resultTtlMs)
    }
  }

  function view (job: JobRecord, counts: ItemCounts, reader: Caller): Job {
    const base = summary(job, counts)
    if (job.result === undefined) return base
    return { ...base, result: redactResults(job.result as PartialFailureResponse<object>, readerRedactor(job.operation, reader)) as Job['result'] }
  }

  return {
    kind: runner.kind,

    /**
     * Create a job for a batch the route validated (`body`), and hand it to the runner. With an
     * Idempotency-Key: the same key and body give the job they created (`replayed`), another body a 422.
     */
    async submit (operation: JobOperation, body: unknown, creator: JobCreator, idempotencyKey?: string): Promise<{ job: Job, replayed: boolean }> {
      const kind = JOB_KINDS[operation]
      kind.check?.(body)
      const record: JobRecord = {
        id: randomUUID(),
        operation,
        owner: creator.caller.id,
        share: creator.share,
        request_id: creator.requestId ?? null,
        body,
        status: 'queued',
        total_count: kind.ids(body).length,
        created_at: now(),
        started_at: null,
        finished_at: null,
        cancel_requested: false
      }
      const idempotency = idempotencyKey === undefined
        ? undefined
        : { key: `${operation}:${creator.caller.id}:${idempotencyKey}`, fingerprint: fingerprint('JOB', operation, body) }
      const created = await store.create(record, idempotency)
      if (created === 'mismatch') {
        throw httpErrors.unprocessableEntity('Idempotency-Key was already used with a different request body')
      }
      if (!created.created) return { job: view(created.job, await store.counts(created.job.id), creator.caller), replayed: true }
      logger.info({ job_id: record.id, operation, total_count: record.total_count, key_id: record.owner }, 'job created')
      metrics.created(operation)
      await runner.enqueue(record)
      return { job: view(record, { done: 0, success: 0, failure: 0 }, creator.caller), replayed: false }
    },

    async get (id: string, reader: Caller): Promise<Job | undefined> {
      const job = await readable(id, reader)
      return job === undefined ? undefined : view(job, await store.counts(id), reader)
    },

    async list (reader: Caller, limit: number): Promise<JobSummary[]> {
      const jobs = await store.list(reader.id, limit)
      return await Promise.all(jobs.map(async (job) => summary(job, await store.counts(job.id))))
    },

    /** The finished items of a job, in the order they finished, from `after`. */
    async items (id: string, reader: Caller, after: number, limit: number): Promise<JobItemsPage | undefined> {
      const job = await readable(id, reader)
      if (job === undefined) return undefined
      const counts = await store.counts(id)
      const items = await store.items(id, after, limit)
      const redact = readerRedactor(job.operation, reader)
      const next = after + items.length
      return {
        items: redactedItems(items, redact) as JobItemsPage['items'],
        next_after: next < job.total_count ? next : null,
        done_count: counts.done,
        total_count: job.total_count,
        status: job.status
      }
    },

    /**
     * Cancel a job: no item of it starts any more (they end `unprocessed`, cancelled); the items
     * in flight finish. A job that ended already stays as it is.
     */
    async cancel (id: string, reader: Caller): Promise<Job | undefined> {
      const job = await readable(id, reader)
      if (job === undefined) return undefined
      if (!FINAL_STATUSES.has(job.status) && !job.cancel_requested) {
        await store.update(id, { cancel_requested: true })
        logger.info({ job_id: id, key_id: reader.id }, 'job cancelled')
        notify(id)
      }
      return await this.get(id, reader)
    },

    /**
     * Resolves when the job changes on this instance (an item finished, it ended), or after
     * `ms` at the latest (a job run by another instance is read again then).
     */
    changed (id: string, ms: number): Promise<void> {
      return new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms)
        function done (): void {
          clearTimeout(timer)
          waiters.get(id)?.delete(done)
          resolve()
        }
        const set = waiters.get(id) ?? new Set()
        set.add(done)
        waiters.set(id, set)
      })
    },

    /** The job's summary and its items finished after `after`, as `reader` may see them. */
    async progress (id: string, reader: Caller, after: number): Promise<{ job: Job, items: Array<OperationResult<unknown>> } | undefined> {
      const job = await readable(id, reader)
      if (job === undefined) return undefined
      const counts = await store.counts(id)
      const items = counts.done > after ? await store.items(id, after, counts.done - after) : []
      return { job: view(job, counts, reader), items: redactedItems(items, readerRedactor(job.operation, reader)) }
    },

    execute,
    drain: (graceMs: number, settleMs: number) => runner.drain(graceMs, settleMs),
    async close (): Promise<void> {
      await runner.close()
      await store.close()
    }
  }
}

export type JobService = ReturnType<typeof createJobService>
