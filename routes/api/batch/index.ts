import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses } from '../../../schemas/common.js'
import { BatchLookupBodyRef, PartialFailureResponseBookingRef, PartialFailureResponseListingRef } from '../../../schemas/batch.js'
import { answerPartialFailure } from '../../../services/batch/json.js'
import { NoQuerySchema } from '../../../schemas/query.js'
import { requestContext } from '../../../services/operations.js'
import { ACCEPTED_RESPONSE, AsyncBatchHeadersSchema } from '../../../schemas/job.js'

const errors = errorResponses(400, 401, 403, 413, 415, 500)
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
      description: 'Always 200 once the batch ran, whatever the mix of outcomes; with Prefer: respond-async, 202 and a job (docs/jobs.md). ' +
        'The secret fields (door code, key pickup, Wi-Fi credentials) are sent only to keys with the `secrets` scope.',
      tags: ['batch'],
      headers: AsyncBatchHeadersSchema,
      querystring: NoQuerySchema,
      body: BatchLookupBodyRef,
      response: { 200: PartialFailureResponseListingRef, 202: ACCEPTED_RESPONSE, ...errors }
    }
  }, async function batchGetListings (request, reply) {
    const job = await fastify.batchOrJob(request, reply, 'batchGetListings', { field: 'ids', count: request.body.ids.length })
    if (job !== undefined) return job
    const result = await operations.batchGetListings(request.body, requestContext(request))
    answerPartialFailure(reply)
    return result
  })

  fastify.post('/bookings', {
    config: BATCH_CONFIG,
    schema: {
      operationId: 'batchGetBookings',
      summary: 'Look up many bookings (reservations) at once; partial failures are reported per item',
      description: 'Always 200 once the batch ran, whatever the mix of outcomes; with Prefer: respond-async, 202 and a job (docs/jobs.md). The door code fields are sent only to keys with the `secrets` scope.',
      tags: ['batch'],
      headers: AsyncBatchHeadersSchema,
      querystring: NoQuerySchema,
      body: BatchLookupBodyRef,
      response: { 200: PartialFailureResponseBookingRef, 202: ACCEPTED_RESPONSE, ...errors }
    }
  }, async function batchGetBookings (request, reply) {
    const job = await fastify.batchOrJob(request, reply, 'batchGetBookings', { field: 'ids', count: request.body.ids.length })
    if (job !== undefined) return job
    const result = await operations.batchGetBookings(request.body, requestContext(request))
    answerPartialFailure(reply)
    return result
  })
}

export default batchLookups
