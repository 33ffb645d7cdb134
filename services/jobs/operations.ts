import type { BatchListingUpdateBody, BatchLookupBody, PartialFailureResponse } from '../../schemas/batch.js'
import type { BatchBookingUpdateBody, BatchCalendarUpdateBody, BatchMessagesBody } from '../../schemas/writes.js'
import type { JobOperation } from '../../schemas/job.js'
import { checkBatchUpdate, checkOncePerBatch, type CallerContext, type Operations } from '../operations.js'
import { calendarOperationId } from '../writes/calendar.js'
import { keep, visibleTo, type Redactor } from '../secrets.js'
import type { Caller } from '../auth.js'

/** How a job runs its batch operation, and what its items are. */
interface JobKind {
  /** whether its items write upstream: a write that may have been sent is never sent again */
  write: boolean
  /** the kind of object its successes carry (which secret fields a reader may not see; none: no secret fields) */
  data: 'listing' | 'booking' | 'none'
  /** the operation ids of its items, by position (what OperationResult.operation_id says) */
  ids: (body: unknown) => Array<number | string>
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
  },
  // the #23 writes (a dry run never becomes a job: plugins/app/jobs.ts answers it in the request)
  batchUpdateCalendar: {
    write: true,
    data: 'none',
    ids: (body) => (body as BatchCalendarUpdateBody).updates.map((u, index) => calendarOperationId(u, index)),
    run: async (operations, body, ctx) => written(await operations.batchUpdateCalendar(body as BatchCalendarUpdateBody, ctx))
  },
  batchSendMessages: {
    write: true,
    data: 'none',
    ids: (body) => (body as BatchMessagesBody).messages.map((m) => m.booking_id),
    run: async (operations, body, ctx) => written(await operations.batchSendMessages(body as BatchMessagesBody, ctx))
  },
  batchUpdateBookings: {
    write: true,
    data: 'booking',
    ids: (body) => (body as BatchBookingUpdateBody).updates.map((u) => u.booking_id),
    check: (body) => { checkOncePerBatch((body as BatchBookingUpdateBody).updates, 'booking_id', 'booking') },
    run: async (operations, body, ctx) => written(await operations.batchUpdateBookings(body as BatchBookingUpdateBody, ctx))
  }
}

/** The response of a write run as a job (never a dry run: those are answered in their request). */
function written<T> (outcome: { body: PartialFailureResponse<T> } | { dryRun: unknown }): PartialFailureResponse<unknown> {
  if ('dryRun' in outcome) throw new Error('a dry run does not run as a job')
  return outcome.body
}

/** What `reader` may see of the data of a job's items. */
export function readerRedactor (operation: JobOperation, reader: Pick<Caller, 'scopes'>): Redactor {
  const { data } = JOB_KINDS[operation]
  return data === 'none' ? keep : visibleTo(reader)[data]
}
