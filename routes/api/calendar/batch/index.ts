import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { RESPONSE_HEADERS, Documented, errorResponses } from '../../../../schemas/common.js'
import { IdempotencyHeadersSchema, type PartialFailureResponse } from '../../../../schemas/batch.js'
import { NoQuerySchema } from '../../../../schemas/query.js'
import { BATCH_CALENDAR_UPDATE_EXAMPLES, PARTIAL_FAILURE_CALENDAR_EXAMPLE } from '../../../../schemas/write-examples.js'
import { writeAnswer, type DryRunResponse } from '../../../../schemas/dry-run.js'
import {
  BatchCalendarUpdateBodySchema, CALENDAR_RULES_TEXT, MAX_CALENDAR_UPDATES, PartialFailureResponseCalendarSchema,
  type BatchCalendarUpdateBody, type CalendarUpdateResult
} from '../../../../schemas/writes.js'
import { batchWriteAnswer } from '../../../../services/batch/json.js'
import { requestContext } from '../../../../services/operations.js'
import { ACCEPTED_RESPONSE, PreferHeaderSchema } from '../../../../schemas/job.js'

/** PATCH /api/calendar/batch: calendar ranges of many listings, one item each, planned as one upstream call per listing. */
const calendarBatch: FastifyPluginAsyncTypebox = async (fastify) => {
  const { operations } = fastify

  fastify.patch('', {
    // the batch's own deadline (timeout_ms) applies, not REQUEST_TIMEOUT_MS
    config: { scope: 'write', requestTimeout: false },
    schema: {
      operationId: 'batchUpdateCalendar',
      summary: 'Set prices, availability and stay rules on date ranges of many listings; partial failures are reported per range',
      description: `Each update is a range of one listing (start_date..end_date, both included) and the fields to set on its days (1..${MAX_CALENDAR_UPDATES} updates). ` +
        `${CALENDAR_RULES_TEXT} The ranges of one listing go upstream together: one call per listing (up to 200 ranges a call); ` +
        'a call that fails fails every range it carried, alike. dry_run: true answers the plan (DryRunResponse) and sends nothing. ' +
        'Send an Idempotency-Key header to make the request safe to resend. With Prefer: respond-async the batch runs as a job: 202 at once (docs/jobs.md).',
      tags: ['batch'],
      headers: Type.Object({ ...IdempotencyHeadersSchema.properties, ...PreferHeaderSchema }),
      querystring: NoQuerySchema,
      body: Documented<BatchCalendarUpdateBody>(BatchCalendarUpdateBodySchema.$id, { examples: BATCH_CALENDAR_UPDATE_EXAMPLES }),
      response: {
        200: writeAnswer<PartialFailureResponse<CalendarUpdateResult> | DryRunResponse>(PartialFailureResponseCalendarSchema.$id as string, {
          example: PARTIAL_FAILURE_CALENDAR_EXAMPLE, headers: { 'Idempotent-Replayed': RESPONSE_HEADERS['Idempotent-Replayed'] }
        }),
        202: ACCEPTED_RESPONSE,
        ...errorResponses(400, 401, 403, 409, 413, 415, 422, 500, 503)
      }
    }
  }, async function batchUpdateCalendar (request, reply) {
    const job = await fastify.batchOrJob(request, reply, 'batchUpdateCalendar', { field: 'updates', count: request.body.updates.length, max: MAX_CALENDAR_UPDATES, dryRun: request.body.dry_run === true })
    if (job !== undefined) return job
    const key = request.headers['idempotency-key']
    return batchWriteAnswer(reply, await operations.batchUpdateCalendar(request.body, { ...requestContext(request), ...(key === undefined ? {} : { idempotencyKey: key }) }))
  })
}

export default calendarBatch
