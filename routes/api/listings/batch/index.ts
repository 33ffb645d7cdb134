import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { RESPONSE_HEADERS, errorResponses } from '../../../../schemas/common.js'
import { PARTIAL_FAILURE_UPDATE_EXAMPLE } from '../../../../schemas/examples.js'
import { BatchListingUpdateBodyRef, IdempotencyHeadersSchema, partialFailureListingResponse } from '../../../../schemas/batch.js'
import { NoQuerySchema } from '../../../../schemas/query.js'
import { batchWriteAnswer } from '../../../../services/batch/json.js'
import { requestContext } from '../../../../services/operations.js'
import { ACCEPTED_RESPONSE, PreferHeaderSchema } from '../../../../schemas/job.js'

/** PATCH /api/listings/batch: many listing updates, per-item outcomes, Idempotency-Key honoured. */
const listingsBatch: FastifyPluginAsyncTypebox = async (fastify) => {
  const { operations } = fastify

  // '' rather than '/': the route is /api/listings/batch itself
  fastify.patch('', {
    // the batch's own deadline (timeout_ms) applies, not REQUEST_TIMEOUT_MS
    config: { scope: 'write', requestTimeout: false },
    schema: {
      operationId: 'batchUpdateListings',
      summary: 'Update many listings at once; partial failures are reported per item',
      description: 'Each update names a listing_id and at least one field to change (Hostaway field names). ' +
        'An update that breaks a per-item rule (bounds, minNights <= maxNights) fails alone as validation_error, never sent; the others proceed. ' +
        'Send an Idempotency-Key header to make the request safe to resend. ' +
        'With Prefer: respond-async the batch runs as a job: 202 at once (docs/jobs.md).',
      tags: ['batch'],
      headers: Type.Object({ ...IdempotencyHeadersSchema.properties, ...PreferHeaderSchema }),
      querystring: NoQuerySchema,
      body: BatchListingUpdateBodyRef,
      response: {
        200: partialFailureListingResponse({ headers: { 'Idempotent-Replayed': RESPONSE_HEADERS['Idempotent-Replayed'] }, example: PARTIAL_FAILURE_UPDATE_EXAMPLE }),
        202: ACCEPTED_RESPONSE,
        ...errorResponses(400, 401, 403, 409, 413, 415, 422, 500, 503)
      }
    }
  }, async function batchUpdateListings (request, reply) {
    const job = await fastify.batchOrJob(request, reply, 'batchUpdateListings', { field: 'updates', count: request.body.updates.length })
    if (job !== undefined) return job
    const key = request.headers['idempotency-key']
    return batchWriteAnswer(reply, await operations.batchUpdateListings(request.body, { ...requestContext(request), ...(key === undefined ? {} : { idempotencyKey: key }) }))
  })
}

export default listingsBatch
