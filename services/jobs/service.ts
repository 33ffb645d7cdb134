import { randomUUID } from 'node:crypto'
import { httpErrors } from '@fastify/sensible'
import type { FastifyBaseLogger } from 'fastify'
import type { OperationResult, PartialFailureResponse } from '../../schemas/batch.js'
import { FINAL_STATUSES, type Job, type JobItemsPage, type JobOperation, type JobStatus, type JobSummary } from '../../schemas/job.js'
import { SCOPES, type Caller } from '../auth.js'
import { unsentResult } from '../batch/results.js'
import { GatewayError } from '../errors.js'
import { fingerprint } from '../idempotency.js'
import type { Operations } from '../operations.js'
import { redactResults, type Redactor } from '../secrets.js'
import type { ItemCounts, JobRecord, JobStore } from './model.js'
import { JOB_KINDS, readerRedactor } from './operations.js'
import type { JobMetrics } from './metrics.js'

/** Who creates a job, and on whose share of the budget it runs. */
export interface JobCreator {
  caller: Caller
  share: string
  requestId: string | undefined
}

/**
 * Runs the jobs: in this process (createMemoryRunner), or on BullMQ across the instances that
 * share a Redis (services/jobs/bullmq-runner.ts). Either way a job runs through `execute`.
 */
export interface JobRunner {
  readonly kind: 'memory' | 'redis'
  /** Hand a new job over to be run. */
  enqueue (job: JobRecord): Promise<void>
  /**
   * At shutdown: the jobs running here may go on for `graceMs`; then no item of theirs starts any
   * more, the ones in flight get `settleMs` to finish, and what is left is aborted.
   */
  drain (graceMs: number, settleMs: number): Promise<void>
  close (): Promise<void>
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

/** How a runner stops a job early: the reason items do not start any more, and whether the job ends with it. */
export interface JobStop {
  error: GatewayError
  /** true: the job ends now (status failed); false: it is left for another instance to resume */
  final: boolean
}

/**
 * Run a stored job to its end (or until `stopped` says otherwise), resuming from what an earlier
 * run of it finished. Resolves with whether the job ended (false: stopped, left to resume).
 */
export type JobExecutor = (id: string, control?: { signal?: AbortSignal, stopped?: () => JobStop | undefined }) => Promise<boolean>

/** The caller a job's batch runs as: the creator's key, every scope (results are stored whole, left out at read). */
const storing = (owner: string): Caller => ({ id: owner, scopes: new Set(SCOPES) })

/** Items a cancelled job never started. */
function cancelledError (): GatewayError {
  return GatewayError.unprocessed(undefined, 'the job was cancelled before this item started')
}

/** Items of a job whose gateway shut down before they started. */
export function shutdownError (): GatewayError {
  return GatewayError.unprocessed(undefined, 'the gateway shut down before this item started (send it again)')
}

/** A write an instance that stopped had started: it may have been applied, so it is never sent again. */
function inFlightOnStoppedInstance (index: number, operationId: string): OperationResult<unknown> {
  const error = GatewayError.outcomeUnknown(
    'The gateway instance running this write stopped while it was in flight (or waiting for its rate-limit turn): it may have been applied; it was not sent again. Read the listing to find out',
    { retryable: false, attempts: 1 }
  )
  return unsentResult(error, index, operationId)
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

  const execute: JobExecutor = async (id, control = {}) => {
    const job = await store.get(id)
    if (job === undefined || FINAL_STATUSES.has(job.status)) return true
    const kind = JOB_KINDS[job.operation]
    const ids = kind.ids(job.body)
    const finished = new Map<number, OperationResult<unknown>>()
    for (const result of await store.items(id, 0, job.total_count)) finished.set(result.index, result)
    if (kind.write) {
      // writes a stopped instance had started: maybe applied, never sent twice
      const unknown = (await store.started(id)).filter((i) => !finished.has(i)).map((i) => inFlightOnStoppedInstance(i, String(ids[i])))
      for (const result of unknown) finished.set(result.index, result)
      await store.append(id, unknown)
    }
    const startedAt = job.started_at ?? now()
    if (job.started_at === null) metrics.started(job.operation, startedAt - job.created_at)
    await store.update(id, { status: 'running', started_at: startedAt })
    active++
    notify(id)
    if (finished.size > 0) logger.info({ job_id: id, resumed_items: finished.size }, 'job resumed from its checkpoint')

    const writes: Array<Promise<void>> = []
    let stop: JobStop | undefined
    const stopped = () => stop ?? (stop = control.stopped?.())
    try {
      const result = await kind.run(operations, job.body, {
        logger,
        caller: storing(job.owner),
        share: job.share,
        ...(job.request_id === null ? {} : { requestId: job.request_id }),
        ...(control.signal === undefined ? {} : { signal: control.signal }),
        job: {
          finished,
          async starting (index) {
            if (stopped() !== undefined) throw (stop as JobStop).error
            if (job.cancel_requested || (await store.start(id, index, kind.write)).cancelled) {
              job.cancel_requested = true
              throw cancelledError()
            }
            // the store's answer may have come after the gateway began to stop
            if (stopped() !== undefined) throw (stop as JobStop).error
          },
          settled (result) {
            metrics.item(job.operation, result.success)
            writes.push(store.append(id, [result]).then(() => notify(id)))
          }
        }
      })
      await Promise.all(writes)
      // the runner may have stopped the job after its last item started (or aborted the items waiting)
      stopped()
      if (stop !== undefined && !stop.final) {
        // left for another instance: what finished here is in the checkpoint, the rest runs there
        logger.info({ job_id: id }, 'job stopped on this instance: another one resumes it')
        return false
      }
      await store.append(id, [...result.successful, ...result.failed].sort((a, b) => a.index - b.index))
      const latest = await store.get(id)
      const status: JobStatus = stop !== undefined ? 'failed' : latest?.cancel_requested === true ? 'cancelled' : 'completed'
      await finish(job, status, result, stop?.error.message)
      return true
    } catch (err) {
      await Promise.allSettled(writes)
      logger.error({ job_id: id, err }, 'job failed')
      await finish(job, 'failed', undefined, 'the job could not run (a bug of the gateway: see its log)')
      return true
    } finally {
      active--
      notify(id)
    }
  }

  async function finish (job: JobRecord, status: JobStatus, result: PartialFailureResponse<unknown> | undefined, error: string | undefined): Promise<void> {
    const finishedAt = now()
    await store.update(job.id, { status, finished_at: finishedAt, ...(result === undefined ? {} : { result }), ...(error === undefined ? {} : { error }) })
    const counts = await store.counts(job.id)
    logger.info({ job_id: job.id, operation: job.operation, status, total_count: job.total_count, success_count: counts.success, failure_count: counts.failure, error }, 'job finished')
    metrics.finished(job.operation, status)
  }

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

/**
 * The runner of one instance without Redis: a job starts as soon as it is created, in this
 * process, and ends with it. At shutdown the running jobs go on for the grace period; then no item
 * starts any more (unprocessed: the gateway shut down), the ones in flight get the settle time,
 * and the jobs end `failed` with every item reported.
 */
export function createMemoryRunner (execute: JobExecutor): JobRunner {
  const running = new Map<string, { controller: AbortController, stop?: JobStop, done: Promise<unknown> }>()
  return {
    kind: 'memory',
    async enqueue (job) {
      const entry: { controller: AbortController, stop?: JobStop, done: Promise<unknown> } = { controller: new AbortController(), done: Promise.resolve() }
      entry.done = execute(job.id, { signal: entry.controller.signal, stopped: () => entry.stop })
        .catch(() => {})
        .finally(() => running.delete(job.id))
      running.set(job.id, entry)
    },
    async drain (graceMs, settleMs) {
      if (running.size === 0) return
      const all = () => Promise.allSettled([...running.values()].map((r) => r.done))
      if (await within(all(), graceMs)) return
      for (const entry of running.values()) entry.stop = { error: shutdownError(), final: true }
      if (await within(all(), settleMs)) return
      for (const entry of running.values()) entry.controller.abort(new Error('the gateway is shutting down'))
      await all()
    },
    async close () {}
  }
}

/** Whether `promise` settles within `ms`. */
async function within (promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), ms) })
  try {
    return await Promise.race([promise.then(() => true), late])
  } finally {
    clearTimeout(timer)
  }
}
