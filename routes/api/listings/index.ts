import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { READ_BY_ID_ERRORS, READ_ERRORS, Ref } from '../../../schemas/common.js'
import { ListingSchema } from '../../../schemas/listing.js'
import { CalendarDaysSchema, ListingPageSchema } from '../../../schemas/page.js'
import { CalendarQuerySchema, ListingParamsSchema, ListListingsQuerySchema, MAX_CALENDAR_DAYS, NoQuerySchema } from '../../../schemas/query.js'
import { requestContext } from '../../../services/operations.js'

/**
 * GET /api/listings, /api/listings/:listingId and /api/listings/:listingId/calendar.
 * (PATCH /api/listings/batch is in ./batch/index.ts.)
 */
const listings: FastifyPluginAsyncTypebox = async (fastify) => {
  const { operations } = fastify

  // '' rather than '/': one route at /api/listings, not a second one at /api/listings/
  fastify.get('', {
    schema: {
      operationId: 'listListings',
      summary: 'List listings, a page at a time',
      description: 'Filters by city and by name; `count` is the number of listings matching upstream. ' +
        'The secret fields (door code, key pickup, Wi-Fi credentials) are sent only to keys with the `secrets` scope.',
      tags: ['listings'],
      querystring: ListListingsQuerySchema,
      response: { 200: Ref(ListingPageSchema), ...READ_ERRORS }
    }
  }, async function listListings (request) {
    return await operations.listListings(request.query, requestContext(request))
  })

  fastify.get('/:listingId', {
    schema: {
      operationId: 'getListing',
      summary: 'Get one listing',
      description: 'The secret fields (door code, key pickup, Wi-Fi credentials) are sent only to keys with the `secrets` scope.',
      tags: ['listings'],
      params: ListingParamsSchema,
      querystring: NoQuerySchema,
      response: { 200: Ref(ListingSchema), ...READ_BY_ID_ERRORS }
    }
  }, async function getListing (request) {
    return await operations.getListing(request.params.listingId, requestContext(request))
  })

  fastify.get('/:listingId/calendar', {
    schema: {
      operationId: 'getListingCalendar',
      summary: 'Get the calendar of a listing for a range of days',
      description: `start_date and end_date are both included; end_date must not be before start_date and the range may span at most ${MAX_CALENDAR_DAYS} days.`,
      tags: ['listings'],
      params: ListingParamsSchema,
      querystring: CalendarQuerySchema,
      response: { 200: Ref(CalendarDaysSchema), ...READ_BY_ID_ERRORS }
    }
  }, async function getListingCalendar (request) {
    return await operations.getListingCalendar(request.params.listingId, request.query, requestContext(request))
  })
}

export default listings
