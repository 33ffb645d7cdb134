import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { READ_BY_ID_ERRORS, READ_ERRORS, Ref } from '../../../schemas/common.js'
import { BookingSchema } from '../../../schemas/booking.js'
import { BookingPageSchema, MessageListSchema } from '../../../schemas/page.js'
import { BookingParamsSchema, NoQuerySchema, SearchBookingsQuerySchema } from '../../../schemas/query.js'
import { requestContext } from '../../../services/operations.js'

/** GET /api/bookings, /api/bookings/:bookingId and /api/bookings/:bookingId/messages. */
const bookings: FastifyPluginAsyncTypebox = async (fastify) => {
  const { operations } = fastify

  fastify.get('', {
    schema: {
      operationId: 'searchBookings',
      summary: 'Search reservations, a page at a time',
      description: 'Date filters are inclusive days (YYYY-MM-DD); each *_to must not be before its *_from.',
      tags: ['bookings'],
      querystring: SearchBookingsQuerySchema,
      response: { 200: Ref(BookingPageSchema), ...READ_ERRORS }
    }
  }, async function searchBookings (request) {
    return await operations.searchBookings(request.query, requestContext(request))
  })

  fastify.get('/:bookingId', {
    schema: {
      operationId: 'getBooking',
      summary: 'Get one reservation',
      description: 'The door code fields are sent only to keys with the `secrets` scope.',
      tags: ['bookings'],
      params: BookingParamsSchema,
      querystring: NoQuerySchema,
      response: { 200: Ref(BookingSchema), ...READ_BY_ID_ERRORS }
    }
  }, async function getBooking (request) {
    return await operations.getBooking(request.params.bookingId, requestContext(request))
  })

  fastify.get('/:bookingId/messages', {
    schema: {
      operationId: 'listBookingMessages',
      summary: "List a reservation's conversation messages, oldest first",
      description: 'Messages of every conversation of the reservation, merged and sorted by insertedOn (else date), then id. 404 when the reservation does not exist.',
      tags: ['bookings'],
      params: BookingParamsSchema,
      querystring: NoQuerySchema,
      response: { 200: Ref(MessageListSchema), ...READ_BY_ID_ERRORS }
    }
  }, async function listBookingMessages (request) {
    return await operations.listBookingMessages(request.params.bookingId, requestContext(request))
  })
}

export default bookings
