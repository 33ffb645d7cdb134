import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { READ_ERRORS, Ref } from '../../../../schemas/common.js'
import { ListingPageSchema } from '../../../../schemas/page.js'
import { AvailableListingsQuerySchema, MAX_AVAILABILITY_DAYS } from '../../../../schemas/writes.js'
import { requestContext } from '../../../../services/operations.js'

/** GET /api/listings/available: listings free on every night of a range, paged like GET /api/listings. */
const availableListings: FastifyPluginAsyncTypebox = async (fastify) => {
  const { operations } = fastify

  fastify.get('', {
    schema: {
      operationId: 'searchAvailableListings',
      summary: 'List the listings free on every night of a range, a page at a time',
      description: `start_date and end_date are nights, both included (the departure is the day after end_date); at most ${MAX_AVAILABILITY_DAYS} days. ` +
        "guests keeps the listings that hold at least that many. Hostaway's own availability filter on its listing list, one upstream call per page; " +
        '`count` is the number of listings matching upstream. The secret fields are sent only to keys with the `secrets` scope.',
      tags: ['listings'],
      querystring: AvailableListingsQuerySchema,
      response: { 200: Ref(ListingPageSchema), ...READ_ERRORS }
    }
  }, async function searchAvailableListings (request) {
    return await operations.searchAvailableListings(request.query, requestContext(request))
  })
}

export default availableListings
