import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { written } from '../after-write.js'
import { envelope, single } from '../envelope.js'
import {
  CalendarDayOut, CalendarIntervalSchema, CalendarIntervalsBodySchema, CalendarQuerySchema, Fail, IdParams, ListingOut, ListingUpdateBodySchema, ListingsQuerySchema, responses
} from '../schemas.js'
import type { SandboxState } from '../state.js'

const tags = ['listings']

/** /v1/listings, /v1/listings/:id, /v1/listings/:id/calendar and /v1/listings/:id/calendarIntervals. */
const listingRoutes: FastifyPluginAsyncTypebox<{ state: SandboxState }> = async (fastify, { state }) => {
  const { store, stats, options } = state
  // A write's answer may be replaced by an after-write fault (a 500 with a fail body).
  const writeResponses = <T extends Parameters<typeof responses>[0]>(result: T) => ({ ...responses(result), 500: Fail })

  fastify.get('/listings', {
    schema: { tags, summary: 'Retrieve a listings list (availabilityDateStart/End, availabilityGuestNumber filter by availability)', operationId: 'listListings', querystring: ListingsQuerySchema, response: responses(Type.Array(ListingOut)) }
  }, async (request) => envelope(store.listListings(request.query, state.faults.omitted())))

  fastify.get('/listings/:id', {
    schema: { tags, summary: 'Retrieve a listing', operationId: 'getListing', params: IdParams, response: responses(ListingOut) }
  }, async (request) => single(store.getListing(request.params.id)))

  fastify.put('/listings/:id', {
    schema: { tags, summary: 'Update a listing (fields given are merged)', operationId: 'updateListing', params: IdParams, body: ListingUpdateBodySchema, response: writeResponses(ListingOut) }
  }, async (request, reply) => {
    const listing = store.updateListing(request.params.id, request.body)
    return written(state, 'listing', request, reply, single(listing))
  })

  fastify.get('/listings/:id/calendar', {
    schema: { tags, summary: 'Retrieve a calendar', operationId: 'getListingCalendar', params: IdParams, querystring: CalendarQuerySchema, response: responses(Type.Array(CalendarDayOut)) }
  }, async (request) => single(store.calendar(request.params.id, request.query, options.baseDate)))

  fastify.put('/listings/:id/calendar', {
    schema: { tags, summary: 'Update the calendar for a date range (both dates included); answers the days changed', operationId: 'updateListingCalendar', params: IdParams, body: CalendarIntervalSchema, response: writeResponses(Type.Array(CalendarDayOut)) }
  }, async (request, reply) => {
    const days = store.updateCalendar(request.params.id, [request.body])
    stats.calendarDays(days.length)
    return written(state, 'calendar', request, reply, single(days))
  })

  fastify.put('/listings/:id/calendarIntervals', {
    schema: { tags, summary: 'Batch calendar update: up to 200 intervals of one listing; one bad interval rejects the request; answers an empty success', operationId: 'updateListingCalendarIntervals', params: IdParams, body: CalendarIntervalsBodySchema, response: writeResponses(Type.Array(Type.Unknown())) }
  }, async (request, reply) => {
    const days = store.updateCalendar(request.params.id, request.body)
    stats.calendarDays(days.length)
    return written(state, 'calendar_intervals', request, reply, single([]))
  })
}

export default listingRoutes
