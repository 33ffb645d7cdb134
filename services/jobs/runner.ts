import { GatewayError } from '../errors.js'
import type { JobRecord } from './model.js'

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

/** How a runner stops a job early: the reason items do not start any more, and whether the job ends with it. */
export interface JobStop {
  error: GatewayError
  /** true: the job ends now (status failed); false: it is left for another instance to resume */
  final: boolean
}

export interface JobControl {
  signal?: AbortSignal
  /** asked before each item starts: a stop ends the run */
  stopped?: () => JobStop | undefined
  /**
   * The token of this run (BullMQ's lock token): the run claims the job with it, and stops
   * starting items once another run claimed it (the job was handed to another instance).
   */
  run?: string
}

/**
 * Run a stored job to its end (or until `stopped` says otherwise), resuming from what an earlier
 * run of it finished. Resolves with whether the job ended (false: stopped, left to resume).
 */
export type JobExecutor = (id: string, control?: JobControl) => Promise<boolean>

/** Items of a job whose gateway shut down before they started. */
export function shutdownError (): GatewayError {
  return GatewayError.unprocessed(undefined, 'the gateway shut down before this item started (send it again)')
}

interface Running { controller: AbortController, stop?: JobStop, done: Promise<unknown> }

/**
 * The jobs running in this process and how they stop at shutdown: they go on for the grace
 * period; then `stop` is what their items get instead of starting, the ones in flight get the
 * settle time, and what is left is aborted.
 */
export function runningJobs (stop: () => JobStop) {
  const running = new Map<string, Running>()
  return {
    running,
    /** Run `work` as the job `id`, given its control; forgotten once it settled. */
    track (id: string, work: (control: Required<Pick<JobControl, 'signal' | 'stopped'>>) => Promise<unknown>): Promise<unknown> {
      const entry: Running = { controller: new AbortController(), done: Promise.resolve() }
      entry.done = work({ signal: entry.controller.signal, stopped: () => entry.stop }).finally(() => running.delete(id))
      running.set(id, entry)
      return entry.done
    },
    async drain (graceMs: number, settleMs: number): Promise<void> {
      if (running.size === 0) return
      const all = () => Promise.allSettled([...running.values()].map((r) => r.done))
      if (await within(all(), graceMs)) return
      for (const entry of running.values()) entry.stop = stop()
      if (await within(all(), settleMs)) return
      for (const entry of running.values()) entry.controller.abort(new Error('the gateway is shutting down'))
      await all()
    }
  }
}

/**
 * The runner of one instance without Redis: a job starts as soon as it is created, in this
 * process, and ends with it. At shutdown the running jobs go on for the grace period; then no item
 * starts any more (unprocessed: the gateway shut down), the ones in flight get the settle time,
 * and the jobs end `failed` with every item reported.
 */
export function createMemoryRunner (execute: JobExecutor): JobRunner {
  const jobs = runningJobs(() => ({ error: shutdownError(), final: true }))
  return {
    kind: 'memory',
    async enqueue (job) {
      jobs.track(job.id, (control) => execute(job.id, control)).catch(() => {})
    },
    drain: (graceMs, settleMs) => jobs.drain(graceMs, settleMs),
    async close () {}
  }
}

/** Whether `promise` settles within `ms`. */
export async function within (promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), ms) })
  try {
    return await Promise.race([promise.then(() => true), late])
  } finally {
    clearTimeout(timer)
  }
}
