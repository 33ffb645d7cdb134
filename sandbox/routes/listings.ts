import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { envelope, single } from '../envelope.js'
import { CalendarDayOut, CalendarQuerySchema, IdParams, ListingOut, ListingUpdateBodySchema, ListingsQuerySchema, responses } from '../schemas.js'
import type { SandboxState } from '../state.js'

const tags = ['listings']

/** /v1/listings, /v1/listings/:id and /v1/listings/:id/calendar. */
const listingRoutes: FastifyPluginAsyncTypebox<{ state: SandboxState }> = async (fastify, { state }) => {
  const { store, stats, options } = state

  fastify.get('/listings', {
    schema: { tags, summary: 'Retrieve a listings list', operationId: 'listListings', querystring: ListingsQuerySchema, response: responses(Type.Array(ListingOut)) }
  }, async (request) => envelope(store.listListings(request.query, state.faults.omitted())))

  fastify.get('/listings/:id', {
    schema: { tags, summary: 'Retrieve a listing', operationId: 'getListing', params: IdParams, response: responses(ListingOut) }
  }, async (request) => single(store.getListing(request.params.id)))

  fastify.put('/listings/:id', {
    schema: { tags, summary: 'Update a listing (fields given are merged)', operationId: 'updateListing', params: IdParams, body: ListingUpdateBodySchema, response: responses(ListingOut) }
  }, async (request) => {
    const listing = store.updateListing(request.params.id, request.body)
    stats.write()
    return single(listing)
  })

  fastify.get('/listings/:id/calendar', {
    schema: { tags, summary: 'Retrieve a calendar', operationId: 'getListingCalendar', params: IdParams, querystring: CalendarQuerySchema, response: responses(Type.Array(CalendarDayOut)) }
  }, async (request) => single(store.calendar(request.params.id, request.query, options.baseDate)))
}

export default listingRoutes
