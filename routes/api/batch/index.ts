import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ErrorRef } from '../../../schemas/common.js'
import { BatchLookupBodyRef, PartialFailureResponseBookingRef, PartialFailureResponseListingRef } from '../../../schemas/batch.js'

const errors = { 400: ErrorRef, 401: ErrorRef, 413: ErrorRef, 415: ErrorRef }

/** Batch lookups: every id gets a result, successes and categorized failures, always 200 once the batch ran. */
const batch: FastifyPluginAsyncTypebox = async (fastify) => {
  const { hostaway, runBatch } = fastify

  fastify.post('/listings', {
    schema: {
      operationId: 'batchGetListings',
      summary: 'Look up many listings at once; partial failures are reported per item',
      tags: ['batch'],
      body: BatchLookupBodyRef,
      response: { 200: PartialFailureResponseListingRef, ...errors }
    }
  }, async function batchGetListings (request) {
    const { ids, timeout_ms: timeoutMs } = request.body
    return runBatch(ids.map((id) => (ctx) => hostaway.getListing(id, ctx)), ids, { dedupe: true, timeoutMs, logger: request.log })
  })

  fastify.post('/bookings', {
    schema: {
      operationId: 'batchGetBookings',
      summary: 'Look up many bookings (reservations) at once; partial failures are reported per item',
      tags: ['batch'],
      body: BatchLookupBodyRef,
      response: { 200: PartialFailureResponseBookingRef, ...errors }
    }
  }, async function batchGetBookings (request) {
    const { ids, timeout_ms: timeoutMs } = request.body
    return runBatch(ids.map((id) => (ctx) => hostaway.getReservation(id, ctx)), ids, { dedupe: true, timeoutMs, logger: request.log })
  })
}

export default batch
