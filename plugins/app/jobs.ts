import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Job, JobOperation } from '../../schemas/job.js'
import { createMemoryJobStore } from '../../services/jobs/memory-store.js'
import { createRedisJobStore } from '../../services/jobs/redis-store.js'
import { accountKeysOf } from '../../services/redis/keys.js'
import { createJobMetrics } from '../../services/jobs/metrics.js'
import { createJobService, type JobService } from '../../services/jobs/service.js'
import { requestContext } from '../../services/operations.js'
import { jobEntry } from '../../services/audit.js'
import { prefersAsync } from '../../services/jobs/prefer.js'
import redisPlugin from './redis.js'

/** The items of a batch route's body: where they are, how many, the route's own bound, and whether it is a dry run. */
export interface BatchItems {
  field: string
  count: number
  /** a fixed bound of the body schema, the same with or without a job (instead of BATCH_MAX_ITEMS / JOB_MAX_ITEMS) */
  max?: number
  dryRun?: boolean
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The long-running batches (Prefer: respond-async): services/jobs/. */
    jobs: JobService
    /**
     * The one seam of a batch route: with `Prefer: respond-async` it creates the job of the
     * validated body and answers 202 (Location, Preference-Applied): the route returns what it
     * gives. Without it, it checks the batch fits one request (BATCH_MAX_ITEMS; the body schema
     * admits JOB_MAX_ITEMS) and gives undefined: the route runs the batch as before. A route whose
     * body has its own fixed bound (`max`: the calendar ranges, the messages) keeps it in both modes;
     * a dry run is answered in its request (it sends nothing: nothing to wait for).
     */
    batchOrJob: (request: FastifyRequest, reply: FastifyReply, operation: JobOperation, items: BatchItems) => Promise<Job | undefined>
  }
}

/**
 * After the grace period, how long the items of jobs in flight get to finish before they are
 * aborted (ms). A job then ends within the batch's abort grace (1 s): before the requests' own
 * settle time (2 s, plugins/app/lifecycle.ts) is over, so its event streams still get the end.
 */
const SETTLE_MS = 500

/**
 * Without REDIS_URL the jobs live and run in this process; with it they are in Redis and run on
 * BullMQ, by whichever instance's worker takes them (services/jobs/bullmq-runner.ts).
 */
export default fp(async (fastify) => {
  await fastify.register(redisPlugin)
  const { config, httpErrors, redis } = fastify
  const keys = accountKeysOf(config)
  // BullMQ (with its own Redis client, ~24 MB of memory) is imported only with REDIS_URL
  const shared = redis === null || config.REDIS_URL === undefined
    ? undefined
    : {
        store: createRedisJobStore({ connection: redis, keys, ttlMs: config.JOB_RESULT_TTL_MS }),
        runner: (await import('../../services/jobs/bullmq-runner.js')).createBullmqRunner({ url: config.REDIS_URL, timeoutMs: config.REDIS_TIMEOUT_MS, prefix: keys.jobQueuePrefix, stallIntervalMs: config.JOB_STALL_INTERVAL_MS, logger: fastify.log.child({ component: 'jobs' }) })
      }
  const jobs = createJobService({
    store: shared?.store ?? createMemoryJobStore({ ttlMs: config.JOB_RESULT_TTL_MS }),
    ...(shared === undefined ? {} : { runner: shared.runner }),
    operations: fastify.operations,
    logger: fastify.log.child({ component: 'jobs' }),
    resultTtlMs: config.JOB_RESULT_TTL_MS,
    metrics: (running) => createJobMetrics(fastify.metricsRegistry, running)
  })
  fastify.decorate('jobs', jobs)

  fastify.decorate('batchOrJob', async function batchOrJob (request: FastifyRequest, reply: FastifyReply, operation: JobOperation, items: BatchItems): Promise<Job | undefined> {
    const async = prefersAsync(request.headers.prefer)
    const limit = items.max ?? (async ? config.JOB_MAX_ITEMS : config.BATCH_MAX_ITEMS)
    if (items.max === undefined && items.count > limit) {
      throw httpErrors.badRequest(async
        ? `body/${items.field} has more than ${limit} items, the most one job takes (JOB_MAX_ITEMS): split the batch into jobs of at most ${limit}`
        : `body/${items.field} has more than ${limit} items, the most one request takes: split the batch into requests of at most ${limit}, or send it as a job (Prefer: respond-async, up to ${config.JOB_MAX_ITEMS} items)`)
    }
    if (!async || items.dryRun === true) return undefined
    const key = request.headers['idempotency-key']
    const ctx = requestContext(request)
    const { job, replayed } = await jobs.submit(operation, request.body, { caller: ctx.caller, share: ctx.share ?? ctx.caller.id, requestId: request.id }, typeof key === 'string' ? key : undefined)
    if (!replayed) fastify.audit.write([jobEntry('job_create', { requestId: request.id, keyId: ctx.caller.id, idempotencyKey: typeof key === 'string' ? key : undefined }, job)])
    reply.code(202).header('location', `/api/jobs/${job.id}`).header('preference-applied', 'respond-async')
    if (replayed) reply.header('idempotent-replayed', 'true')
    return job
  })

  // the jobs in flight go on while the requests drain (SHUTDOWN_GRACE_MS, from the start of the close);
  // the close waits for them before the upstream client closes
  let draining: Promise<void> | undefined
  fastify.addHook('preClose', (done) => {
    draining = jobs.drain(config.SHUTDOWN_GRACE_MS, SETTLE_MS).catch((err: unknown) => { fastify.log.error({ err }, 'draining the jobs failed') })
    done()
  })
  fastify.addHook('onClose', async () => {
    await draining
    await jobs.close()
  })
}, { name: 'jobs', dependencies: ['config', 'operations', 'metrics', 'audit'] })
