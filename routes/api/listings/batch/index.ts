import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses } from '../../../../schemas/common.js'
import { BatchListingUpdateBodyRef, IdempotencyHeadersSchema, PartialFailureResponseListingRef } from '../../../../schemas/batch.js'
import { requestContext } from '../../../../services/operations.js'

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
        'Send an Idempotency-Key header to make the request safe to resend.',
      tags: ['batch'],
      headers: IdempotencyHeadersSchema,
      body: BatchListingUpdateBodyRef,
      response: { 200: PartialFailureResponseListingRef, ...errorResponses(400, 401, 403, 409, 413, 415, 422) }
    }
  }, async function batchUpdateListings (request, reply) {
    const key = request.headers['idempotency-key']
    const { replayed, body } = await operations.batchUpdateListings(request.body, { ...requestContext(request), ...(key === undefined ? {} : { idempotencyKey: key }) })
    if (replayed) reply.header('idempotent-replayed', 'true')
    return body
  })
}

export default listingsBatch
