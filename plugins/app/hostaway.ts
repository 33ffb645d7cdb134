import fp from 'fastify-plugin'
import { clientOptionsFromConfig, createHostawayClient } from '../../services/hostaway/client.js'
import type { HostawayClient } from '../../services/hostaway/types.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The one upstream client (rate limiter, token, retries, cache); see services/hostaway. */
    hostaway: HostawayClient
  }
}

/**
 * Builds the Hostaway client from `fastify.config` and decorates `fastify.hostaway`; closes it on
 * shutdown. The credentials are read at registration: when none are configured the server has
 * started the embedded sandbox and filled them in before building the app.
 */
export default fp(async (fastify) => {
  const options = clientOptionsFromConfig(fastify.config)
  const client = createHostawayClient({ ...options, logger: fastify.log.child({ component: 'hostaway' }) })
  fastify.decorate('hostaway', client)
  fastify.addHook('onClose', async () => {
    await client.close()
  })
}, { name: 'hostaway', dependencies: ['config'] })
