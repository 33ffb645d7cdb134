import { Type, type Static } from '@sinclair/typebox'
import { Documented, Nullable, Ref, StringEnum } from './common.js'
import { OperationResultSchema, PartialFailureResponseBookingSchema, PartialFailureResponseListingSchema } from './batch.js'
import { BookingSchema } from './booking.js'
import { ListingSchema } from './listing.js'
import { CalendarUpdateResultSchema, MessageSendResultSchema, PartialFailureResponseCalendarSchema, PartialFailureResponseMessageSchema } from './writes.js'

/** What a job can be: the batch routes that accept `Prefer: respond-async` (operationIds of those routes). */
export const JOB_OPERATIONS = ['batchGetListings', 'batchGetBookings', 'batchUpdateListings', 'batchUpdateCalendar', 'batchSendMessages', 'batchUpdateBookings'] as const
export type JobOperation = typeof JOB_OPERATIONS[number]

export const JOB_STATUSES = ['queued', 'running', 'completed', 'cancelled', 'failed'] as const
export type JobStatus = typeof JOB_STATUSES[number]

/** The statuses a job never leaves. */
export const FINAL_STATUSES: ReadonlySet<JobStatus> = new Set(['completed', 'cancelled', 'failed'])

const Timestamp = (description: string) => Nullable(Type.String({ format: 'date-time', description }))

/** The fields of a job besides its result: what GET /api/jobs lists. */
const jobFields = {
  id: Type.String({ description: 'The job id (GET /api/jobs/{id})', example: '5d4f0a3e-2b1c-4f7e-9c1a-8e2d6b3f4a10' }),
  operation: StringEnum(JOB_OPERATIONS, { description: 'The batch operation the job runs (the operationId of its route)' }),
  status: StringEnum(JOB_STATUSES, {
    description: 'queued: not started yet; running; completed: every item ran (some may have failed: see result); ' +
      'cancelled: DELETE /api/jobs/{id} stopped it (items not started are unprocessed); failed: the job could not run (a bug, or the gateway shut down: items not run are unprocessed)'
  }),
  total_count: Type.Integer({ minimum: 0, description: 'Items in the job' }),
  done_count: Type.Integer({ minimum: 0, description: 'Items finished so far (successes and failures)' }),
  success_count: Type.Integer({ minimum: 0 }),
  failure_count: Type.Integer({ minimum: 0 }),
  created_at: Type.String({ format: 'date-time' }),
  started_at: Timestamp('When the job started running; null while queued'),
  finished_at: Timestamp('When the job ended; null until then'),
  estimated_finish_at: Timestamp('While running: when it should end at the pace of the items finished so far; null when unknown or ended'),
  expires_at: Timestamp('When a finished job and its result are forgotten (JOB_RESULT_TTL_MS after it ended)')
}

export const JobSummarySchema = Type.Object(jobFields, {
  $id: 'JobSummary',
  additionalProperties: false,
  description: 'A long-running batch (Prefer: respond-async), without its result'
})
export type JobSummary = Static<typeof JobSummarySchema>

export const JobSchema = Type.Object({
  ...jobFields,
  result: Type.Optional(Type.Union([
    Ref(PartialFailureResponseListingSchema), Ref(PartialFailureResponseBookingSchema), Ref(PartialFailureResponseCalendarSchema), Ref(PartialFailureResponseMessageSchema)
  ], {
    description: 'Once the job ended: the PartialFailureResponse of the batch, every item exactly once (while it runs, page the finished items with GET /api/jobs/{id}/items)'
  }))
}, {
  $id: 'Job',
  additionalProperties: false,
  description: 'A long-running batch (Prefer: respond-async): its progress, and its result once it ended'
})
export type Job = Static<typeof JobSchema>

export const JobItemsPageSchema = Type.Object({
  items: Type.Array(OperationResultSchema(Type.Union([Ref(ListingSchema), Ref(BookingSchema), Ref(CalendarUpdateResultSchema), Ref(MessageSendResultSchema)])), {
    description: 'Finished items, in the order they finished'
  }),
  next_after: Nullable(Type.Integer({ minimum: 0, description: 'The `after` of the next page; null when no more items have finished yet' })),
  done_count: Type.Integer({ minimum: 0 }),
  total_count: Type.Integer({ minimum: 0 }),
  status: StringEnum(JOB_STATUSES, { description: 'The job status when the page was read' })
}, { $id: 'JobItemsPage', additionalProperties: false, description: 'The finished items of a job, in the order they finished' })
export type JobItemsPage = Static<typeof JobItemsPageSchema>

export const JobListSchema = Type.Object({
  items: Type.Array(Ref(JobSummarySchema), { description: "The caller's jobs, newest first" }),
  count: Type.Integer({ minimum: 0 })
}, { $id: 'JobList', additionalProperties: false })
export type JobList = Static<typeof JobListSchema>

export const JobIdParamsSchema = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9-]+$', description: 'The job id', example: '5d4f0a3e-2b1c-4f7e-9c1a-8e2d6b3f4a10' })
})

export const JobItemsQuerySchema = Type.Object({
  after: Type.Integer({ minimum: 0, default: 0, description: 'How many finished items were read already (the next_after of the previous page)' }),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'Most items in the page' })
}, { additionalProperties: false })

export const JobListQuerySchema = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 50, description: 'Most jobs listed' })
}, { additionalProperties: false })

/** Headers of the batch routes that may run as a job. */
export const PreferHeaderSchema = {
  prefer: Type.Optional(Type.String({
    maxLength: 1000,
    description: 'RFC 7240. `respond-async`: the batch runs as a job: 202 at once with Location: /api/jobs/{id} ' +
      '(no request deadline, up to JOB_MAX_ITEMS items, timeout_ms does not apply). Without it the batch runs within the request.'
  }))
}

/** The headers of a batch lookup route: Prefer, and an Idempotency-Key that makes a job's creation safe to resend. */
export const AsyncBatchHeadersSchema = Type.Object({
  ...PreferHeaderSchema,
  'idempotency-key': Type.Optional(Type.String({
    minLength: 1,
    maxLength: 255,
    pattern: '^[\\x21-\\x7E]+$',
    description: 'With Prefer: respond-async: the same key and body give the job they created (202 again, Idempotent-Replayed: true); another body is 422. Ignored otherwise'
  }))
})

/** The 202 of a batch route given Prefer: respond-async. */
export const ACCEPTED_RESPONSE = Documented<Job>(JobSchema.$id, {
  description: 'Prefer: respond-async: the batch runs as a job. Poll Location (GET /api/jobs/{id}), watch GET /api/jobs/{id}/events (SSE), cancel with DELETE',
  headers: {
    Location: Type.String({ description: 'The job: /api/jobs/{id}' }),
    'Preference-Applied': Type.Literal('respond-async', { description: 'RFC 7240: the batch runs as a job' }),
    'Idempotent-Replayed': Type.Literal('true', { description: 'The job an earlier request with the same Idempotency-Key and body created' })
  }
})
