import fp from 'fastify-plugin'
import type { TSchema } from '@sinclair/typebox'
import { ErrorResponseSchema, ErrorTypeSchema } from '../../schemas/common.js'
import { ListingSchema, CalendarDaySchema } from '../../schemas/listing.js'
import { BookingSchema } from '../../schemas/booking.js'
import { MessageSchema } from '../../schemas/message.js'

/** Every named model, added once at the root so routes refer to it by `$id` (named OpenAPI components). */
export const SHARED_SCHEMAS: TSchema[] = [
  ErrorTypeSchema,
  ErrorResponseSchema,
  ListingSchema,
  CalendarDaySchema,
  BookingSchema,
  MessageSchema
]

export default fp(async (fastify) => {
  for (const schema of SHARED_SCHEMAS) fastify.addSchema(schema)
}, { name: 'schemas' })
