import type { BatchListingUpdateBody, BatchLookupBody, PartialFailureResponse } from '../../schemas/batch.js'
import type { JobOperation } from '../../schemas/job.js'
import { checkBatchUpdate, type CallerContext, type Operations } from '../operations.js'
import { visibleTo, type Redactor } from '../secrets.js'
import type { Caller } from '../auth.js'

/** How a job runs its batch operation, and what its items are. */
interface JobKind {
  /** whether its items write upstream: a write that may have been sent is never sent again */
  write: boolean
  /** the kind of object its successes carry (which secret fields a reader may not see) */
  data: 'listing' | 'booking'
  /** the operation ids of its items, by position (what OperationResult.operation_id says) */
  ids: (body: unknown) => number[]
  /** the rules of the body a schema cannot express, checked before the job is created (400 at once) */
  check?: (body: unknown) => void
  run: (operations: Operations, body: unknown, ctx: CallerContext) => Promise<PartialFailureResponse<unknown>>
}

/**
 * The batch operations a job may run: each is the transport-neutral operation its route runs
 * (services/operations.ts), given the job's hooks (`ctx.job`). A new batch route that takes
 * `Prefer: respond-async` adds its line here.
 */
export const JOB_KINDS: Record<JobOperation, JobKind> = {
  batchGetListings: {
    write: false,
    data: 'listing',
    ids: (body) => (body as BatchLookupBody).ids,
    run: (operations, body, ctx) => operations.batchGetListings(body as BatchLookupBody, ctx)
  },
  batchGetBookings: {
    write: false,
    data: 'booking',
    ids: (body) => (body as BatchLookupBody).ids,
    run: (operations, body, ctx) => operations.batchGetBookings(body as BatchLookupBody, ctx)
  },
  batchUpdateListings: {
    write: true,
    data: 'listing',
    ids: (body) => (body as BatchListingUpdateBody).updates.map((u) => u.listing_id),
    check: (body) => checkBatchUpdate(body as BatchListingUpdateBody),
    run: async (operations, body, ctx) => (await operations.batchUpdateListings(body as BatchListingUpdateBody, ctx)).body
  }
}

/** What `reader` may see of the data of a job's items. */
export function readerRedactor (operation: JobOperation, reader: Pick<Caller, 'scopes'>): Redactor {
  return visibleTo(reader)[JOB_KINDS[operation].data]
}
