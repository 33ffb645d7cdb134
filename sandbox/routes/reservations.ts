import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { written } from '../after-write.js'
import { envelope, single } from '../envelope.js'
import { ConversationOut, Fail, IdParams, ReservationOut, ReservationUpdateBodySchema, ReservationUpdateQuerySchema, ReservationsQuerySchema, responses } from '../schemas.js'
import type { SandboxState } from '../state.js'

const tags = ['reservations']

/** /v1/reservations, /v1/reservations/:id and /v1/reservations/:id/conversations. */
const reservationRoutes: FastifyPluginAsyncTypebox<{ state: SandboxState }> = async (fastify, { state }) => {
  const { store } = state

  fastify.get('/reservations', {
    schema: { tags, summary: 'Retrieve a reservations list (default order: updatedOn DESC, id DESC; afterId cursor)', operationId: 'listReservations', querystring: ReservationsQuerySchema, response: responses(Type.Array(ReservationOut)) }
  }, async (request) => envelope(store.searchReservations(request.query, state.faults.omitted())))

  fastify.get('/reservations/:id', {
    schema: { tags, summary: 'Retrieve a reservation', operationId: 'getReservation', params: IdParams, response: responses(ReservationOut) }
  }, async (request) => single(store.getReservation(request.params.id)))

  fastify.put('/reservations/:id', {
    schema: {
      tags,
      summary: 'Update a reservation (fields given are merged; new dates over another stay need forceOverbooking=1)',
      operationId: 'updateReservation',
      params: IdParams,
      querystring: ReservationUpdateQuerySchema,
      body: ReservationUpdateBodySchema,
      response: { ...responses(ReservationOut), 500: Fail }
    }
  }, async (request, reply) => {
    const reservation = store.updateReservation(request.params.id, request.body, request.query.forceOverbooking === 1)
    return written(state, 'reservation', request, reply, single(reservation))
  })

  fastify.get('/reservations/:id/conversations', {
    schema: { tags, summary: "Retrieve a reservation's conversations ([] when it has none)", operationId: 'listReservationConversations', params: IdParams, response: responses(Type.Array(ConversationOut)) }
  }, async (request) => single(store.conversationsOf(request.params.id)))
}

export default reservationRoutes
