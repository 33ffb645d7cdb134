import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Ref, errorResponses } from '../../../schemas/common.js'
import { ListingSchema } from '../../../schemas/listing.js'
import { CalendarDaysSchema, ListingPageSchema } from '../../../schemas/page.js'
import {
  CalendarQuerySchema, ListingParamsSchema, ListListingsQuerySchema, MAX_CALENDAR_DAYS, daysInRange
} from '../../../schemas/query.js'

/**
 * 400 invalid request, 401 missing or wrong X-API-Key, 404 unknown id, 500 a bug of ours,
 * 502 upstream error, 503 upstream rate limit, 504 upstream timeout.
 */
const errors = errorResponses(400, 401, 404, 500, 502, 503, 504)

/**
 * GET /api/listings, /api/listings/:listingId and /api/listings/:listingId/calendar.
 * (PATCH /api/listings/batch is in ./batch/index.ts.)
 */
const listings: FastifyPluginAsyncTypebox = async (fastify) => {
  const { hostaway, httpErrors } = fastify

  // '' rather than '/': one route at /api/listings, not a second one at /api/listings/
  fastify.get('', {
    schema: {
      operationId: 'listListings',
      summary: 'List listings, a page at a time',
      description: 'Filters by city and by name; `count` is the number of listings matching upstream.',
      tags: ['listings'],
      querystring: ListListingsQuerySchema,
      response: { 200: Ref(ListingPageSchema), ...errors }
    }
  }, async function listListings (request) {
    return await hostaway.listListings(request.query)
  })

  fastify.get('/:listingId', {
    schema: {
      operationId: 'getListing',
      summary: 'Get one listing',
      tags: ['listings'],
      params: ListingParamsSchema,
      response: { 200: Ref(ListingSchema), ...errors }
    }
  }, async function getListing (request) {
    return await hostaway.getListing(request.params.listingId)
  })

  fastify.get('/:listingId/calendar', {
    schema: {
      operationId: 'getListingCalendar',
      summary: 'Get the calendar of a listing for a range of days',
      description: `start_date and end_date are both included; end_date must not be before start_date and the range may span at most ${MAX_CALENDAR_DAYS} days.`,
      tags: ['listings'],
      params: ListingParamsSchema,
      querystring: CalendarQuerySchema,
      response: { 200: Ref(CalendarDaysSchema), ...errors }
    }
  }, async function getListingCalendar (request) {
    const { listingId } = request.params
    const { start_date: startDate, end_date: endDate } = request.query
    if (endDate < startDate) throw httpErrors.badRequest('querystring/end_date must not be before start_date')
    if (daysInRange(startDate, endDate) > MAX_CALENDAR_DAYS) {
      throw httpErrors.badRequest(`querystring/end_date must be at most ${MAX_CALENDAR_DAYS} days from start_date (both included)`)
    }
    const days = await hostaway.getListingCalendar(listingId, { start_date: startDate, end_date: endDate })
    return { listing_id: listingId, start_date: startDate, end_date: endDate, count: days.length, items: days }
  })
}

export default listings
