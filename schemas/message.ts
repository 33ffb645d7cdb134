import { Type, type Static } from '@sinclair/typebox'
import { Nullable } from './common.js'

/** A message of a reservation's conversation (Hostaway field names, others passed through). */
export const MessageSchema = Type.Object({
  id: Type.Integer({ description: 'Message id', example: 326 }),
  conversationId: Type.Integer({ description: 'Conversation id', example: 1406 }),
  reservationId: Type.Optional(Nullable(Type.Integer({ description: 'Reservation id' }))),
  body: Type.String({ description: 'Message text', example: 'Hello, what time can we check in?' }),
  isIncoming: Type.Integer({ description: '1 when sent by the guest, 0 when sent by the host', example: 1 }),
  communicationType: Type.Optional(Type.String({ description: 'email, channel, sms or whatsapp', example: 'channel' })),
  status: Type.Optional(Type.String({ description: 'Message status', example: 'sent' })),
  insertedOn: Type.Optional(Type.String({ description: 'When the message was stored (YYYY-MM-DD HH:MM:SS, UTC)', example: '2027-01-10 09:30:00' }))
}, { $id: 'Message', additionalProperties: true, description: 'A conversation message' })
export type Message = Static<typeof MessageSchema>

/** A conversation (only what the gateway uses is typed). */
export const ConversationSchema = Type.Object({
  id: Type.Integer(),
  reservationId: Type.Optional(Nullable(Type.Integer())),
  listingMapId: Type.Optional(Nullable(Type.Integer()))
}, { additionalProperties: true })
export type Conversation = Static<typeof ConversationSchema>
