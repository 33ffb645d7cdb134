import { Type, type Static } from '@sinclair/typebox'

/**
 * Hostaway's unified webhook (introduction.md, "Webhook events"): `{ object, event, accountId, data }`,
 * e.g. `event: "reservation.updated"` with the reservation as `data`, or `"message.received"` with the
 * conversation message; a test delivery (`data: "test"`) is acknowledged. Fields beyond these are
 * accepted: Hostaway adds events over time.
 */
export const HostawayWebhookSchema = Type.Object({
  object: Type.Optional(Type.String({ description: 'What the event is about', example: 'reservation' })),
  event: Type.Optional(Type.String({ minLength: 1, description: 'reservation.created, reservation.updated, message.received, … (others, and none, are acknowledged and ignored)', example: 'reservation.updated' })),
  accountId: Type.Optional(Type.Union([Type.Integer(), Type.String()], { description: 'The Hostaway account the event belongs to', example: 10000 })),
  data: Type.Optional(Type.Union([
    Type.Object({}, { additionalProperties: true }),
    Type.String({ description: 'Hostaway\'s test delivery sends "test"' })
  ], { description: 'The object of the event: a reservation, a conversation message' }))
}, { $id: 'HostawayWebhook', additionalProperties: true, description: 'A Hostaway unified webhook event' })
export type HostawayWebhook = Static<typeof HostawayWebhookSchema>

const WEBHOOK_ACTIONS = ['cached', 'evicted', 'ignored'] as const

export const WebhookAckSchema = Type.Object({
  received: Type.Literal(true),
  action: Type.Union(WEBHOOK_ACTIONS.map((a) => Type.Literal(a)), {
    description: 'cached: the reservation in the event replaced the cached one; evicted: the cached reservation or messages were dropped (read afresh next time); ignored: an event the gateway does not use'
  })
}, { $id: 'WebhookAck', additionalProperties: false, description: 'The receipt of a webhook event' })
export type WebhookAck = Static<typeof WebhookAckSchema>
