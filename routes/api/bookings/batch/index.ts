import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { RESPONSE_HEADERS, Documented, errorResponses } from '../../../../schemas/common.js'
import { IdempotencyHeadersSchema, PartialFailureResponseBookingSchema, type PartialFailureResponse } from '../../../../schemas/batch.js'
import type { Booking } from '../../../../schemas/booking.js'
import { NoQuerySchema } from '../../../../schemas/query.js'
import { BATCH_BOOKING_UPDATE_EXAMPLES } from '../../../../schemas/write-examples.js'
import { BOOKING_UPDATE_RULES_TEXT } from '../../../../schemas/booking.js'
import { writeAnswer, type DryRunResponse } from '../../../../schemas/dry-run.js'
import type { BatchBookingUpdateBody } from '../../../../schemas/writes.js'
import { batchWriteAnswer } from '../../../../services/batch/json.js'
import { requestContext } from '../../../../services/operations.js'
import { ACCEPTED_RESPONSE, PreferHeaderSchema } from '../../../../schemas/job.js'

/** PATCH /api/bookings/batch: many reservation updates (read, merge, write), per-item outcomes. */
const bookingsBatch: FastifyPluginAsyncTypebox = async (fastify) => {
  const { operations } = fastify

  fastify.patch('', {
    config: { scope: 'write', requestTimeout: false },
    schema: {
      operationId: 'batchUpdateBookings',
      summary: 'Update many reservations at once; partial failures are reported per item',
      description: `Each update names a booking_id and the fields to change, with Hostaway's names (each booking at most once). ${BOOKING_UPDATE_RULES_TEXT} ` +
        'An update that changes nothing writes nothing. The door code fields of the answer are sent only to keys with the `secrets` scope. ' +
        'dry_run: true answers the plan (DryRunResponse) and sends nothing. With Prefer: respond-async the batch runs as a job: 202 at once (docs/jobs.md). Send an Idempotency-Key header to make the request safe to resend. With Prefer: respond-async the batch runs as a job: 202 at once (docs/jobs.md).',
      tags: ['batch'],
      headers: Type.Object({ ...IdempotencyHeadersSchema.properties, ...PreferHeaderSchema }),
      querystring: NoQuerySchema,
      body: Documented<BatchBookingUpdateBody>('BatchBookingUpdateRequest', { examples: BATCH_BOOKING_UPDATE_EXAMPLES }),
      response: {
        200: writeAnswer<PartialFailureResponse<Booking> | DryRunResponse>(PartialFailureResponseBookingSchema.$id as string, {
          example: { dry_run: true, operation: 'booking_update', total_count: 1, valid_count: 1, invalid_count: 0, items: [{ index: 0, operation_id: '1', valid: true, error: null, calls: [0, 1] }], upstream_calls: [{ kind: 'read', method: 'GET', path: '/reservations/1', items: [0] }, { kind: 'write', method: 'PUT', path: '/reservations/1', items: [0] }], upstream_call_count: 2, write_call_count: 1, earliest_finish_ms: 250, earliest_finish_at: '2027-01-10T09:30:00.250Z' },
          headers: { 'Idempotent-Replayed': RESPONSE_HEADERS['Idempotent-Replayed'] }
        }),
        202: ACCEPTED_RESPONSE,
        ...errorResponses(400, 401, 403, 409, 413, 415, 422, 500, 503)
      }
    }
  }, async function batchUpdateBookings (request, reply) {
    const job = await fastify.batchOrJob(request, reply, 'batchUpdateBookings', { field: 'updates', count: request.body.updates.length, dryRun: request.body.dry_run === true })
    if (job !== undefined) return job
    const key = request.headers['idempotency-key']
    return batchWriteAnswer(reply, await operations.batchUpdateBookings(request.body, { ...requestContext(request), ...(key === undefined ? {} : { idempotencyKey: key }) }))
  })
}

export default bookingsBatch
