import { httpErrors } from '@fastify/sensible'
import type { ListingPage } from '../../schemas/page.js'
import { MAX_AVAILABILITY_DAYS, type AvailableListingsQuery } from '../../schemas/writes.js'
import type { HostawayClient } from '../hostaway/client.js'
import type { CallOptions } from '../seams.js'
import { daysBetween, dayNumber } from './days.js'

/**
 * GET /api/listings/available (and the MCP tool search_available_listings): Hostaway's own
 * availability filter on the listing list, one call per page, passed through in the paging
 * envelope of GET /api/listings. The range rules a schema cannot express are checked first (400
 * naming the parameter, nothing sent).
 */
export async function searchAvailableListings (hostaway: Pick<HostawayClient, 'listAvailableListings'>, query: AvailableListingsQuery, opts: CallOptions): Promise<ListingPage> {
  const { start_date: start, end_date: end } = query
  if (dayNumber(start) === undefined) throw httpErrors.badRequest('querystring/start_date must be a real day (YYYY-MM-DD)')
  if (dayNumber(end) === undefined) throw httpErrors.badRequest('querystring/end_date must be a real day (YYYY-MM-DD)')
  if (end < start) throw httpErrors.badRequest('querystring/end_date must not be before start_date')
  if (daysBetween(start, end) > MAX_AVAILABILITY_DAYS) {
    throw httpErrors.badRequest(`querystring/end_date must be at most ${MAX_AVAILABILITY_DAYS} days from start_date (both included)`)
  }
  return await hostaway.listAvailableListings(query, opts)
}
