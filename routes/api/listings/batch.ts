import { createHash } from 'node:crypto'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses } from '../../../schemas/common.js'
import { BatchListingUpdateBodyRef, IdempotencyHeadersSchema, PartialFailureResponseListingRef } from '../../../schemas/batch.js'
import { fingerprint } from '../../../services/idempotency.js'
import type { PartialFailureResponse } from '../../../schemas/batch.js'
import type { Listing } from '../../../schemas/listing.js'

/** PATCH /api/listings/batch: many listing updates, per-item outcomes, Idempotency-Key honoured. */
const listingsBatch: FastifyPluginAsyncTypebox = async (fastify) => {
  const { hostaway, runBatch, idempotency, config, httpErrors } = fastify

  fastify.patch('/batch', {
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
      updates.map(({ listing_id: id, ...fields }) => (ctx) => hostaway.updateListing(id, fields, ctx)),
      updates.map((u) => u.listing_id),
      { kind: 'write', idempotent: true, timeoutMs, logger: request.log }
    )

    const key = request.headers['idempotency-key']
    if (key === undefined) return run()

    // Keys are scoped to the caller's API key, so two clients cannot replay each other's results.
    const caller = request.headers['x-api-key']
    const scope = typeof caller === 'string' ? createHash('sha256').update(caller).digest('hex').slice(0, 16) : 'open'
    const storeKey = `listings-batch:${scope}:${key}`
    const print = fingerprint('PATCH', '/api/listings/batch', request.body)
    const ttl = config.BATCH_IDEMPOTENCY_TTL_MS

    const claim = await idempotency.claim(storeKey, print, ttl)
    if (claim.state === 'mismatch') throw httpErrors.unprocessableEntity('Idempotency-Key was already used with a different request body')
    if (claim.state === 'in_progress') throw httpErrors.conflict('A request with this Idempotency-Key is still being processed; retry later')
    if (claim.state === 'replay') {
      reply.header('idempotent-replayed', 'true')
      return claim.response.body as PartialFailureResponse<Listing>
    }
    try {
      const result = await run()
      await idempotency.complete(storeKey, print, { status: 200, body: result }, ttl)
      return result
    } catch (err) {
      await idempotency.release(storeKey)
      throw err
    }
  })
}

export default listingsBatch
