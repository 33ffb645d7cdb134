import fp from 'fastify-plugin'
import { basicAuthCheck, createWebhookReceiver, type WebhookReceiver } from '../../services/webhooks.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The Hostaway webhook receiver and its Basic-auth check; null when HOSTAWAY_WEBHOOK_USER / _PASSWORD are unset. */
    webhooks: { receiver: WebhookReceiver, authorized: (authorization: string | undefined) => boolean } | null
  }
}

/** Builds the webhook receiver over the Hostaway client's cache when its credentials are configured. */
export default fp(async (fastify) => {
  const { HOSTAWAY_WEBHOOK_USER: user, HOSTAWAY_WEBHOOK_PASSWORD: password, HOSTAWAY_ACCOUNT_ID: accountId } = fastify.config
  if (user === undefined || password === undefined || accountId === undefined) {
    fastify.decorate('webhooks', null)
    return
  }
  fastify.decorate('webhooks', {
    receiver: createWebhookReceiver({ cache: fastify.hostaway, accountId }),
    authorized: basicAuthCheck(user, password)
  })
}, { name: 'webhooks', dependencies: ['config', 'hostaway'] })
