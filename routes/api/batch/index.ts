import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses } from '../../../schemas/common.js'
import type { FastifyRequest } from 'fastify'
import type { Operation } from '../../../services/batch.js'
import { BatchLookupBodyRef, type BatchLookupBody, PartialFailureResponseBookingRef, PartialFailureResponseListingRef } from '../../../schemas/batch.js'

const errors = errorResponses(400, 401, 413, 415)

/**
 * POST /api/batch/listings and /api/batch/bookings — batch lookups: every id gets a result,
 * successes and categorized failures, always 200 once the batch ran. (The batch update,
 * PATCH /api/listings/batch, is in routes/api/listings/batch/index.ts.)
 */
const batchLookups: FastifyPluginAsyncTypebox = async (fastify) => {
  const { hostaway, runBatch } = fastify

  /** A lookup batch: one upstream read per distinct id, every position reported. */
  function lookup<T> (fetch: (id: number) => Operation<T>) {
    return async function batchLookup (request: FastifyRequest<{ Body: BatchLookupBody }>) {
      const { ids, timeout_ms: timeoutMs } = request.body
      return runBatch(ids.map(fetch), ids, { dedupe: true, timeoutMs, logger: request.log })
    }
  }

  fastify.post('/listings', {
    schema: {
      operationId: 'batchGetListings',
      summary: 'Look up many listings at once; partial failures are reported per item',
      tags: ['batch'],
      body: BatchLookupBodyRef,
      response: { 200: PartialFailureResponseListingRef, ...errors }
    }
  }, lookup((id) => (opts) => hostaway.getListing(id, opts)))

  fastify.post('/bookings', {
    schema: {
      operationId: 'batchGetBookings',
      summary: 'Look up many bookings (reservations) at once; partial failures are reported per item',
      tags: ['batch'],
      body: BatchLookupBodyRef,
      response: { 200: PartialFailureResponseBookingRef, ...errors }
    }
  }, lookup((id) => (opts) => hostaway.getReservation(id, opts)))
}

export default batchLookups
