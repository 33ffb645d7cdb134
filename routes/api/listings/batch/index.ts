import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses } from '../../../../schemas/common.js'
import { BatchListingUpdateBodyRef, IdempotencyHeadersSchema, PartialFailureResponseListingRef } from '../../../../schemas/batch.js'
import { withIdempotency } from '../../../../services/idempotency.js'

/** PATCH /api/listings/batch: many listing updates, per-item outcomes, Idempotency-Key honoured. */
const listingsBatch: FastifyPluginAsyncTypebox = async (fastify) => {
  const { hostaway, runBatch, idempotency, config, httpErrors } = fastify

  // '' rather than '/': the route is /api/listings/batch itself
  fastify.patch('', {
    schema: {
      operationId: 'batchUpdateListings',
      summary: 'Update many listings at once; partial failures are reported per item',
      description: 'Each update names a listing_id and at least one field to change (Hostaway field names). ' +
        'Send an Idempotency-Key header to make the request safe to resend.',
      tags: ['batch'],
      headers: IdempotencyHeadersSchema,
      body: BatchListingUpdateBodyRef,
      response: { 200: PartialFailureResponseListingRef, ...errorResponses(400, 401, 409, 413, 415, 422) }
    }
  }, async function batchUpdateListings (request, reply) {
    const { updates, timeout_ms: timeoutMs } = request.body

    const seen = new Map<number, number>()
    updates.forEach((update, i) => {
      const first = seen.get(update.listing_id)
      if (first !== undefined) {
        throw httpErrors.badRequest(`body/updates/${i}/listing_id repeats body/updates/${first}/listing_id (${update.listing_id}): each listing may appear once per batch`)
      }
      seen.set(update.listing_id, i)
    })

    const run = () => runBatch(
      updates.map(({ listing_id: id, ...fields }) => (opts) => hostaway.updateListing(id, fields, opts)),
      updates.map((u) => u.listing_id),
      { timeoutMs, logger: request.log }
    )
    const { replayed, body } = await withIdempotency(idempotency, {
      key: request.headers['idempotency-key'],
      caller: request.headers['x-api-key'],
      method: request.method,
      path: request.routeOptions.url ?? request.url,
      body: request.body,
      ttlMs: config.BATCH_IDEMPOTENCY_TTL_MS
    }, run)
    if (replayed) reply.header('idempotent-replayed', 'true')
    return body
  })
}

export default listingsBatch
