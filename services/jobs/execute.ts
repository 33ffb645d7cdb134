import type { FastifyBaseLogger } from 'fastify'
import type { OperationResult, PartialFailureResponse } from '../../schemas/batch.js'
import { FINAL_STATUSES, type JobStatus } from '../../schemas/job.js'
import { SCOPES, type Caller } from '../auth.js'
import { unfinished, unsentResult } from '../batch/results.js'
import { GatewayError } from '../errors.js'
import type { Operations } from '../operations.js'
import { RedisUnavailableError } from '../redis/connection-api.js'
import type { JobMetrics } from './metrics.js'
import type { JobRecord, JobStore } from './model.js'
import { JOB_KINDS } from './operations.js'
import type { JobExecutor, JobStop } from './runner.js'

export interface JobExecutorDeps {
  store: JobStore
  operations: Operations
  logger: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>
  now: () => number
  metrics: JobMetrics
  /** the job changed (an item finished, it started or ended): wake its watchers */
  notify: (id: string) => void
  /** a run began (+1) or ended (-1) on this instance */
  running: (delta: 1 | -1) => void
}

/** The caller a job's batch runs as: the creator's key, every scope (results are stored whole, left out at read). */
const storing = (owner: string): Caller => ({ id: owner, scopes: new Set(SCOPES) })

/** Items a cancelled job never started. */
function cancelledError (): GatewayError {
  return GatewayError.unprocessed(undefined, 'the job was cancelled before this item started')
}

/** Items a run no longer starts: another instance took the job over (it runs them). */
function handedOverError (): GatewayError {
  return GatewayError.unprocessed(undefined, 'another gateway instance took the job over (it runs this item)')
}

/** A write an instance that stopped had started: it may have been applied, so it is never sent again. */
function inFlightOnStoppedInstance (index: number, operationId: string): OperationResult<unknown> {
  const error = GatewayError.outcomeUnknown(
    'The gateway instance running this write stopped while it was in flight (or waiting for its rate-limit turn): it may have been applied; it was not sent again. Read the listing to find out',
    { retryable: false, attempts: 1 }
  )
  return unsentResult(error, index, operationId)
}

/**
 * How a job runs: the operation its route runs (services/operations.ts), without a request
 * deadline, on its creator's fair share of the upstream budget, resumed from its checkpoint (the
 * items an earlier run finished; the writes it had started are reported `outcome_unknown`, never
 * sent again), each item's result stored as it finishes. Given a run token it claims the job
 * first, and stops starting items once another run claimed it: two instances never both start
 * items of one job, whatever BullMQ believes about its locks.
 */
export function createJobExecutor (deps: JobExecutorDeps): JobExecutor {
  const { store, operations, logger, now, metrics, notify } = deps

  async function finish (job: JobRecord, status: JobStatus, result: PartialFailureResponse<unknown> | undefined, error: string | undefined): Promise<void> {
    const finishedAt = now()
    await store.update(job.id, { status, finished_at: finishedAt, ...(result === undefined ? {} : { result }), ...(error === undefined ? {} : { error }) })
    const counts = await store.counts(job.id)
    logger.info({ job_id: job.id, operation: job.operation, status, total_count: job.total_count, success_count: counts.success, failure_count: counts.failure, error }, 'job finished')
    metrics.finished(job.operation, status)
  }

  return async (id, control = {}) => {
    const job = await store.get(id)
    if (job === undefined || FINAL_STATUSES.has(job.status)) return true
    const { run } = control
    if (run !== undefined) await store.claim(id, run)
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
    deps.running(1)
    notify(id)
    if (finished.size > 0) logger.info({ job_id: id, resumed_items: finished.size }, 'job resumed from its checkpoint')

    const writes: Array<Promise<void>> = []
    /** A store write awaited at the end of the run (its failure, e.g. Redis unavailable, fails the run there). */
    const keep = (write: Promise<void>) => {
      write.catch(() => {})
      writes.push(write)
    }
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
            const early = stopped()
            if (early !== undefined) throw early.error
            const started = job.cancel_requested ? { cancelled: true, lost: false } : await store.start(id, index, kind.write, run)
            if (started.lost) stop ??= { error: handedOverError(), final: false }
            if (stop !== undefined) throw stop.error
            if (started.cancelled) {
              job.cancel_requested = true
              throw cancelledError()
            }
            // the store's answer may have come after the gateway began to stop
            const late = stopped()
            if (late !== undefined) throw late.error
          },
          settled (result) {
            // an item given up before anything was sent for it (not started, or refused while it
            // waited for its turn) is not in flight any more, and is no checkpoint: if the job is
            // handed over, the run that resumes it runs it (if it ends here, the final result has it)
            if (unfinished(result)) {
              if (kind.write) keep(store.release(id, result.index))
              return
            }
            metrics.item(job.operation, result.success)
            keep(store.append(id, [result]).then(() => notify(id)))
          }
        }
      })
      await Promise.all(writes)
      // the runner may have stopped the job after its last item started (or aborted the items waiting)
      stopped()
      if ((stop !== undefined && !stop.final) || (run !== undefined && !await store.owns(id, run))) {
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
      if (run !== undefined && !await store.owns(id, run).catch(() => false)) return false
      // the store could not be reached: this run fails, and its runner runs the job again (resumed)
      if (err instanceof RedisUnavailableError) throw err
      logger.error({ job_id: id, err }, 'job failed')
      await finish(job, 'failed', undefined, 'the job could not run (a bug of the gateway: see its log)')
      return true
    } finally {
      deps.running(-1)
      notify(id)
    }
  }
}
