import { createClient } from '@redis/client'
import { Queue, WaitingError, Worker, createNodeRedisClient, type Job as BullJob } from 'bullmq'
import type { FastifyBaseLogger } from 'fastify'
import { GatewayError } from '../errors.js'
import { clientOptions } from '../redis/url.js'
import { runningJobs, shutdownError, within, type JobExecutor, type JobRunner } from './runner.js'

/** Jobs one instance runs at once (they share the account's upstream budget anyway). */
const JOBS_PER_INSTANCE = 8
/**
 * How often a job may be taken over after the instance running it stopped answering before it
 * ends `failed` (a job that kills every instance that runs it must not go round for ever).
 */
export const MAX_TAKEOVERS = 5
/**
 * Runs of a job that may fail (its executor threw: Redis was unavailable when it read or stored the
 * job) before it ends `failed`; tried again 1 s, 2 s, 4 s… later, resumed from its checkpoint.
 */
const ATTEMPTS = 10
/** The queue of a Hostaway account's jobs: BullMQ's keys are `<prefix>:jobs:…`. */
const QUEUE = 'jobs'
/** How long BullMQ may take to close (ms): then its connections are destroyed (a Redis gone, or refusing us, never lets it). */
const CLOSE_MS = 2000
/** The same error of the queue is logged once a minute at most (a Redis down fails every reconnection). */
const REPEAT_LOG_MS = 60_000

export interface BullmqRunnerOptions {
  /** REDIS_URL */
  url: string
  /** REDIS_TIMEOUT_MS: connect timeout */
  timeoutMs: number
  /** the account's key prefix (`hgw:{<account>}`, services/redis/keys.ts): a queue per account */
  prefix: string
  /**
   * JOB_STALL_INTERVAL_MS: the lock of a running job lasts this long and is renewed every half of
   * it; every half of it an instance looks for jobs whose lock expired. So the jobs of an instance
   * that died are taken over between 0.5 and 1.5 times this after its death.
   */
  stallIntervalMs: number
  logger: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error' | 'debug'>
}

interface JobData { id: string }

/** Items of a job BullMQ gave up: taken over more often than MAX_TAKEOVERS, or failed ATTEMPTS times. */
function abandonedError (): GatewayError {
  return GatewayError.unprocessed(undefined, `the job was given up (its gateway instances stopped while running it more than ${MAX_TAKEOVERS} times, or it could not run ${ATTEMPTS} times)`)
}

/**
 * The runner of the instances that share a Redis (REDIS_URL): jobs on BullMQ, through its node-redis
 * adapter (`createNodeRedisClient`: node-redis stays the one Redis client library). A job is a
 * BullMQ job of the account's queue carrying only its id (the job itself is in the job store);
 * every instance runs a worker. BullMQ locks a running job and renews the lock; when an instance
 * dies, its lock expires and the stalled-job check of another instance puts the job back in the
 * queue, where a worker takes it and the executor resumes it after its checkpoint. The executor
 * claims the job with BullMQ's lock token, so even a run BullMQ wrongly thought stalled (an event
 * loop blocked past the lock) stops starting items once the job was taken over.
 *
 * At shutdown the jobs running here are handed over at once: no item of theirs starts any more,
 * the ones in flight get the settle time, then the job goes back to the queue (another instance,
 * or this one when it is back, resumes it).
 */
export function createBullmqRunner (opts: BullmqRunnerOptions): (execute: JobExecutor) => JobRunner {
  return (execute) => {
    const { logger } = opts
    // BullMQ duplicates the client for the worker's blocking connection: every one is kept, to be
    // destroyed at the close whatever BullMQ makes of it
    const clients: Array<{ isOpen: boolean, destroy: () => void }> = []
    function tracked (): unknown {
      const client = createClient(clientOptions(opts.url, opts.timeoutMs))
      clients.push(client)
      return Object.assign(client, { duplicate: tracked })
    }
    const connection = createNodeRedisClient(tracked())
    const queue = new Queue<JobData>(QUEUE, { connection, prefix: opts.prefix })
    const jobs = runningJobs(() => ({ error: shutdownError(), final: false }))
    let handingOver = false

    async function process (bullJob: BullJob<JobData>, token?: string): Promise<void> {
      const { id } = bullJob.data
      logger.info({ job_id: id, takeovers: bullJob.stalledCounter }, 'job taken by this instance')
      const ended = await jobs.track(id, (control) => execute(id, { ...control, ...(token === undefined ? {} : { run: token }) }))
      if (ended === false && handingOver && token !== undefined) {
        // back to the queue now, rather than after the lock expired
        await bullJob.moveToWait(token)
        throw new WaitingError()
      }
    }

    const worker = new Worker<JobData>(QUEUE, process, {
      connection,
      prefix: opts.prefix,
      concurrency: JOBS_PER_INSTANCE,
      lockDuration: opts.stallIntervalMs,
      stalledInterval: Math.max(1, Math.round(opts.stallIntervalMs / 2)),
      maxStalledCount: MAX_TAKEOVERS
    })
    let last = { message: '', at: -Infinity }
    const onError = (err: Error) => {
      // the app's Redis connection says when Redis is lost; BullMQ repeats it at each reconnection
      const repeated = err.message === last.message && performance.now() - last.at < REPEAT_LOG_MS
      if (repeated) return logger.debug({ err }, 'job queue: redis error')
      last = { message: err.message, at: performance.now() }
      logger.warn({ err }, 'job queue: redis error')
    }
    worker.on('error', onError)
    queue.on('error', onError)
    worker.on('stalled', (jobId) => logger.warn({ job_id: jobId }, 'job queue: a job whose instance stopped answering goes back to the queue'))
    worker.on('failed', (bullJob, err) => {
      // BullMQ says `failed` of every failed run, also of one it runs again
      const final = err.name === 'UnrecoverableError' || bullJob === undefined || bullJob.attemptsMade >= ATTEMPTS
      if (bullJob === undefined || !final) return logger.warn({ job_id: bullJob?.data.id, err }, 'job queue: a run of the job failed; it runs again')
      // BullMQ gave it up: it ends failed, every item reported (the writes started `outcome_unknown`)
      logger.error({ job_id: bullJob.data.id, err }, 'job queue: job given up')
      execute(bullJob.data.id, { stopped: () => ({ error: abandonedError(), final: true }) })
        .catch((error: unknown) => logger.error({ job_id: bullJob.data.id, err: error }, 'job queue: a job given up could not be ended'))
    })

    return {
      kind: 'redis',
      async enqueue (job) {
        await queue.add('job', { id: job.id }, { jobId: job.id, removeOnComplete: true, removeOnFail: true, attempts: ATTEMPTS, backoff: { type: 'exponential', delay: 1000 } })
      },
      async drain (_graceMs, settleMs) {
        handingOver = true
        // no new job is taken here; the ones running here are handed over
        await within(worker.pause(true), CLOSE_MS)
        await jobs.drain(0, settleMs)
      },
      async close () {
        // forced: the jobs were handed over (a close that waited for them would wait for ever
        // while Redis is gone, its lock renewal timer keeping the process alive)
        await within(Promise.allSettled([worker.close(true), queue.close()]), CLOSE_MS)
        for (const client of clients) if (client.isOpen) client.destroy()
      }
    }
  }
}
