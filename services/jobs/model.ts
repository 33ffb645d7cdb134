import type { OperationResult, PartialFailureResponse } from '../../schemas/batch.js'
import type { JobOperation, JobStatus } from '../../schemas/job.js'

/**
 * A job as stored: what it runs (the validated body of its batch route), for whom, and how far it
 * got. Its finished items are kept beside it, in the order they finished (`JobStore.append`):
 * they are its progress, the pages of GET /api/jobs/{id}/items and the checkpoint a resumed run
 * starts from. Results are stored whole; the secret fields are left out at read time, as the key
 * reading them may see them.
 */
export interface JobRecord {
  id: string
  operation: JobOperation
  /** the API key that created it (its id, services/auth.ts keyId): the only one that sees it */
  owner: string
  /** whose fair share of the upstream budget its items use (the creator's) */
  share: string
  /** the request that created it: the audit lines of its writes carry it */
  request_id: string | null
  /** the body of the batch route, validated */
  body: unknown
  status: JobStatus
  total_count: number
  /** epoch ms */
  created_at: number
  started_at: number | null
  finished_at: number | null
  /** DELETE /api/jobs/{id} asked for it: no item starts any more */
  cancel_requested: boolean
  /** the batch's response, once the job ended */
  result?: PartialFailureResponse<unknown>
  /** why a failed job failed */
  error?: string
}

/** The state fields a runner changes. */
export type JobPatch = Partial<Pick<JobRecord, 'status' | 'started_at' | 'finished_at' | 'result' | 'error' | 'cancel_requested'>>

export interface ItemCounts {
  done: number
  success: number
  failure: number
}

/** Where an Idempotency-Key of an async request points: the job it created, for the same body. */
export interface JobIdempotency {
  /** scoped to the operation and the caller already */
  key: string
  fingerprint: string
}

/**
 * The jobs of one gateway (memory) or of every instance on one Redis (services/jobs/redis-store.ts).
 * A finished job is kept `ttlMs` (JOB_RESULT_TTL_MS), then forgotten; queued and running ones are kept.
 */
export interface JobStore {
  /**
   * Store a new job. With an Idempotency-Key already used: the job it created when the body is
   * the same (`created: false`), 'mismatch' when it is another.
   */
  create (job: JobRecord, idempotency?: JobIdempotency): Promise<{ job: JobRecord, created: boolean } | 'mismatch'>
  get (id: string): Promise<JobRecord | undefined>
  /** The owner's jobs, newest first. */
  list (owner: string, limit: number): Promise<JobRecord[]>
  update (id: string, patch: JobPatch): Promise<void>
  /**
   * A run of the job begins (`run`: its token): from now on only this run may start items
   * (`start` with an older run's token answers `lost`). Called before the run reads the
   * checkpoint, so that every item an earlier run started is in `started` by then.
   */
  claim (id: string, run: string): Promise<void>
  /**
   * An item of the job is about to start: recorded first when `durable` (writes: a run resumed
   * after a crash reports it `outcome_unknown`, never sends it again). Says whether the job was
   * cancelled meanwhile (by any instance), and, given the run's token, whether another run claimed
   * the job since (`lost`: nothing was recorded, the item must not start).
   */
  start (id: string, index: number, durable: boolean, run?: string): Promise<{ cancelled: boolean, lost: boolean }>
  /** Whether `run` is the job's latest claim. */
  owns (id: string, run: string): Promise<boolean>
  /** An item recorded as started was given up before anything was sent for it: it is not in flight any more. */
  release (id: string, index: number): Promise<void>
  /** Items recorded as started. */
  started (id: string): Promise<number[]>
  /** Add a finished item (an index already there is left as it is). */
  append (id: string, results: ReadonlyArray<OperationResult<unknown>>): Promise<void>
  /** Finished items from position `after` (0-based, in the order they finished), at most `limit`. */
  items (id: string, after: number, limit: number): Promise<Array<OperationResult<unknown>>>
  counts (id: string): Promise<ItemCounts>
  close (): Promise<void>
}
