import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Ref, errorResponses } from '../../../schemas/common.js'
import { BookingSchema } from '../../../schemas/booking.js'
import { BookingPageSchema, MessageListSchema } from '../../../schemas/page.js'
import { BookingParamsSchema, SearchBookingsQuerySchema } from '../../../schemas/query.js'
import { listReservationMessages } from '../../../services/messages.js'

/** The error statuses of every bookings route (as for listings: 400, 401, 404, 500, then 502/503/504 upstream). */
const errors = errorResponses(400, 401, 404, 500, 502, 503, 504)

/** GET /api/bookings, /api/bookings/:bookingId and /api/bookings/:bookingId/messages. */
const bookings: FastifyPluginAsyncTypebox = async (fastify) => {
  const { hostaway, httpErrors } = fastify

  fastify.get('', {
    schema: {
      operationId: 'searchBookings',
      summary: 'Search reservations, a page at a time',
      description: 'Date filters are inclusive days (YYYY-MM-DD); each *_to must not be before its *_from.',
      tags: ['bookings'],
      querystring: SearchBookingsQuerySchema,
      response: { 200: Ref(BookingPageSchema), ...errors }
    }
  }, async function searchBookings (request) {
    const query = request.query
    for (const field of ['arrival', 'departure'] as const) {
      const from = query[`${field}_from`]
      const to = query[`${field}_to`]
      if (from !== undefined && to !== undefined && to < from) {
        throw httpErrors.badRequest(`querystring/${field}_to must not be before ${field}_from`)
      }
    }
    return await hostaway.searchReservations(query)
  })

  fastify.get('/:bookingId', {
    schema: {
      operationId: 'getBooking',
      summary: 'Get one reservation',
      tags: ['bookings'],
      params: BookingParamsSchema,
      response: { 200: Ref(BookingSchema), ...errors }
    }
  }, async function getBooking (request) {
    return await hostaway.getReservation(request.params.bookingId)
  })

  fastify.get('/:bookingId/messages', {
    schema: {
      operationId: 'listBookingMessages',
      summary: "List a reservation's conversation messages, oldest first",
      description: 'Messages of every conversation of the reservation, merged and sorted by insertedOn (else date), then id. 404 when the reservation does not exist.',
      tags: ['bookings'],
      params: BookingParamsSchema,
      response: { 200: Ref(MessageListSchema), ...errors }
    }
  }, async function listBookingMessages (request) {
    return await listReservationMessages(hostaway, request.params.bookingId)
  })
}

export default bookings
