import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Ref, errorResponses } from '../../schemas/common.js'
import { HostawayWebhookSchema, WebhookAckSchema } from '../../schemas/webhook.js'

/**
 * POST /webhooks/hostaway — Hostaway's unified webhooks keep the read cache fresh (no upstream call:
 * it answers at once, well within Hostaway's 20 s). HTTP Basic auth with HOSTAWAY_WEBHOOK_USER /
 * HOSTAWAY_WEBHOOK_PASSWORD (the login and password registered in Hostaway); 404 while they are unset.
 * Not under /api: Hostaway sends no X-API-Key.
 */
const webhooks: FastifyPluginAsyncTypebox = async (fastify) => {
  const { webhooks, httpErrors } = fastify

  fastify.post('/hostaway', {
    schema: {
      operationId: 'receiveHostawayWebhook',
      summary: 'Receive a Hostaway unified webhook (reservation created/updated, new message)',
      description: 'Register this URL with the login and password of HOSTAWAY_WEBHOOK_USER / HOSTAWAY_WEBHOOK_PASSWORD in Hostaway (dashboard.hostaway.com/settings/integrations, or POST /v1/webhooks/unifiedWebhooks). ' +
        'HTTP Basic auth; 404 when the receiver is not configured. A reservation event replaces the cached reservation (or evicts it when it cannot be trusted); a message event evicts the cached messages; other events are acknowledged.',
      tags: ['webhooks'],
      body: Ref(HostawayWebhookSchema),
      response: { 200: Ref(WebhookAckSchema), ...errorResponses(400, 401, 404, 413, 415) }
    },
    onRequest: async (request, reply) => {
      if (webhooks === null) {
        throw httpErrors.notFound(`Route POST ${request.url.split('?')[0]} not found (the webhook receiver is off: set HOSTAWAY_WEBHOOK_USER and HOSTAWAY_WEBHOOK_PASSWORD)`)
      }
      if (!webhooks.authorized(request.headers.authorization)) {
        reply.header('www-authenticate', 'Basic realm="hostaway-webhooks", charset="UTF-8"')
        throw httpErrors.unauthorized('Missing or wrong Basic credentials for the Hostaway webhook')
      }
    }
  }, async function receiveHostawayWebhook (request) {
    // onRequest answered 404 when the receiver is off
    return await (webhooks as NonNullable<typeof webhooks>).receiver.receive(request.body, request.log)
  })
}

export default webhooks
