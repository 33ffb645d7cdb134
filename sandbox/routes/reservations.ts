import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { envelope, single } from '../envelope.js'
import { IdParams, ReservationOut, ReservationUpdateBodySchema, ReservationsQuerySchema, responses } from '../schemas.js'
import type { SandboxState } from '../state.js'

const tags = ['reservations']

/** /v1/reservations and /v1/reservations/:id. */
const reservationRoutes: FastifyPluginAsyncTypebox<{ state: SandboxState }> = async (fastify, { state }) => {
  const { store, stats } = state

  fastify.get('/reservations', {
    schema: { tags, summary: 'Retrieve a reservations list (default order: updatedOn DESC, id DESC; afterId cursor)', operationId: 'listReservations', querystring: ReservationsQuerySchema, response: responses(Type.Array(ReservationOut)) }
  }, async (request) => envelope(store.searchReservations(request.query, state.faults.omitted())))

  fastify.get('/reservations/:id', {
    schema: { tags, summary: 'Retrieve a reservation', operationId: 'getReservation', params: IdParams, response: responses(ReservationOut) }
  }, async (request) => single(store.getReservation(request.params.id)))

  fastify.put('/reservations/:id', {
    schema: { tags, summary: 'Update a reservation (fields given are merged)', operationId: 'updateReservation', params: IdParams, body: ReservationUpdateBodySchema, response: responses(ReservationOut) }
  }, async (request) => {
    const reservation = store.updateReservation(request.params.id, request.body)
    stats.write()
    return single(reservation)
  })
}

export default reservationRoutes
