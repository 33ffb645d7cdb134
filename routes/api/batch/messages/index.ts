import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { RESPONSE_HEADERS, Documented, errorResponses } from '../../../../schemas/common.js'
import type { PartialFailureResponse } from '../../../../schemas/batch.js'
import { NoQuerySchema } from '../../../../schemas/query.js'
import { BATCH_MESSAGES_EXAMPLE, PARTIAL_FAILURE_MESSAGES_EXAMPLE } from '../../../../schemas/write-examples.js'
import { writeAnswer, type DryRunResponse } from '../../../../schemas/dry-run.js'
import {
  BatchMessagesBodySchema, MAX_BATCH_MESSAGES, PartialFailureResponseMessageSchema, RequiredIdempotencyHeadersSchema,
  type BatchMessagesBody, type MessageSendResult
} from '../../../../schemas/writes.js'
import { batchWriteAnswer } from '../../../../services/batch/json.js'
import { requestContext } from '../../../../services/operations.js'
import { ACCEPTED_RESPONSE, PreferHeaderSchema } from '../../../../schemas/job.js'

/** POST /api/batch/messages: guest messages to many reservations, each sent at most once. */
const messagesBatch: FastifyPluginAsyncTypebox = async (fastify) => {
  const { operations } = fastify

  fastify.post('', {
    config: { scope: 'messages', requestTimeout: false },
    schema: {
      operationId: 'batchSendMessages',
      summary: 'Send a message to the guests of many reservations; partial failures are reported per message',
      description: `1..${MAX_BATCH_MESSAGES} messages, each { booking_id, body, communication_type? }. Needs the \`messages\` scope and an Idempotency-Key. ` +
        'Each reservation\'s conversation is found once for the batch (the conversation list, read a page at a time); a reservation without one fails alone as not_found. ' +
        'A message is never sent twice: a send that may have reached Hostaway (no answer in time, a reset, a 5xx) is not retried and fails as outcome_unknown, ' +
        'with a remediation that says which conversation to check before resending. Bodies are never logged nor audited (their length and SHA-256). ' +
        'dry_run: true answers the plan (DryRunResponse) and sends nothing. With Prefer: respond-async the batch runs as a job: 202 at once (docs/jobs.md).',
      tags: ['batch'],
      headers: Type.Object({ ...RequiredIdempotencyHeadersSchema.properties, ...PreferHeaderSchema }),
      querystring: NoQuerySchema,
      body: Documented<BatchMessagesBody>(BatchMessagesBodySchema.$id, { examples: [BATCH_MESSAGES_EXAMPLE] }),
      response: {
        200: writeAnswer<PartialFailureResponse<MessageSendResult> | DryRunResponse>(PartialFailureResponseMessageSchema.$id as string, {
          example: PARTIAL_FAILURE_MESSAGES_EXAMPLE, headers: { 'Idempotent-Replayed': RESPONSE_HEADERS['Idempotent-Replayed'] }
        }),
        202: ACCEPTED_RESPONSE,
        ...errorResponses(400, 401, 403, 409, 413, 415, 422, 500, 503)
      }
    }
  }, async function batchSendMessages (request, reply) {
    const job = await fastify.batchOrJob(request, reply, 'batchSendMessages', { field: 'messages', count: request.body.messages.length, max: MAX_BATCH_MESSAGES, dryRun: request.body.dry_run === true })
    if (job !== undefined) return job
    return batchWriteAnswer(reply, await operations.batchSendMessages(request.body, { ...requestContext(request), idempotencyKey: request.headers['idempotency-key'] }))
  })
}

export default messagesBatch
