import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses } from '../../../schemas/common.js'
import { BatchLookupBodyRef, PartialFailureResponseBookingRef, PartialFailureResponseListingRef } from '../../../schemas/batch.js'
import { requestContext } from '../../../services/operations.js'

const errors = errorResponses(400, 401, 413, 415)
/** a batch ends by its own deadline (timeout_ms), not by REQUEST_TIMEOUT_MS */
const BATCH_CONFIG = { requestTimeout: false } as const

/**
 * POST /api/batch/listings and /api/batch/bookings — batch lookups: every id gets a result,
 * successes and categorized failures, always 200 once the batch ran. (The batch update,
 * PATCH /api/listings/batch, is in routes/api/listings/batch/index.ts.)
 */
const batchLookups: FastifyPluginAsyncTypebox = async (fastify) => {
  const { operations } = fastify

  fastify.post('/listings', {
    config: BATCH_CONFIG,
    schema: {
      operationId: 'batchGetListings',
      summary: 'Look up many listings at once; partial failures are reported per item',
      tags: ['batch'],
      body: BatchLookupBodyRef,
      response: { 200: PartialFailureResponseListingRef, ...errors }
    }
  }, async function batchGetListings (request) {
    return await operations.batchGetListings(request.body, requestContext(request))
  })

  fastify.post('/bookings', {
    config: BATCH_CONFIG,
    schema: {
      operationId: 'batchGetBookings',
      summary: 'Look up many bookings (reservations) at once; partial failures are reported per item',
      tags: ['batch'],
      body: BatchLookupBodyRef,
      response: { 200: PartialFailureResponseBookingRef, ...errors }
    }
  }, async function batchGetBookings (request) {
    return await operations.batchGetBookings(request.body, requestContext(request))
  })
}

export default batchLookups
