import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import { JOB_OPERATIONS, JOB_STATUSES, type JobOperation, type JobStatus } from '../../schemas/job.js'
import { LONG_BUCKETS } from '../metrics.js'

/** What the job service reports (services/jobs/service.ts), for /metrics. */
export interface JobMetrics {
  created (operation: JobOperation): void
  /** a job started running, after waiting this long since it was created (ms) */
  started (operation: JobOperation, queuedMs: number): void
  item (operation: JobOperation, success: boolean): void
  finished (operation: JobOperation, status: JobStatus): void
}

/** The jobs' metrics on the app's registry; the label sets are closed, initialised at 0. */
export function createJobMetrics (registry: Registry, running: () => number): JobMetrics {
  const registers = [registry]
  const created = new Counter({ name: 'hostaway_jobs_created_total', help: 'Jobs created (Prefer: respond-async) by operation', labelNames: ['operation'], registers })
  const ended = new Counter({ name: 'hostaway_jobs_finished_total', help: 'Jobs ended, by operation and final status (completed, cancelled, failed)', labelNames: ['operation', 'status'], registers })
  const items = new Counter({ name: 'hostaway_job_items_total', help: 'Items of jobs finished, by operation and outcome', labelNames: ['operation', 'outcome'], registers })
  const wait = new Histogram({ name: 'hostaway_job_queue_wait_seconds', help: 'How long jobs waited from their creation to their start', labelNames: ['operation'], buckets: LONG_BUCKETS, registers })
  // eslint-disable-next-line no-new
  new Gauge({ name: 'hostaway_jobs_running', help: 'Jobs running on this instance now', registers, collect () { this.set(running()) } })
  for (const operation of JOB_OPERATIONS) {
    created.inc({ operation }, 0)
    for (const status of JOB_STATUSES) if (status !== 'queued' && status !== 'running') ended.inc({ operation, status }, 0)
    for (const outcome of ['success', 'failure']) items.inc({ operation, outcome }, 0)
  }
  return {
    created: (operation) => created.inc({ operation }),
    started: (operation, queuedMs) => wait.observe({ operation }, queuedMs / 1000),
    item: (operation, success) => items.inc({ operation, outcome: success ? 'success' : 'failure' }),
    finished: (operation, status) => ended.inc({ operation, status })
  }
}
