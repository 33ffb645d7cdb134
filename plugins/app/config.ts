import fp from 'fastify-plugin'
import type { Config } from '../../schemas/config.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The one validated configuration object (see schemas/config.ts). */
    config: Config
  }
}

/** Decorates the already validated config once; nothing else reads process.env. */
export default fp<{ config: Config }>(async (fastify, opts) => {
  if (opts.config === undefined) throw new Error('config plugin: the validated config must be passed as option `config`')
  fastify.decorate('config', Object.freeze({ ...opts.config }))
}, { name: 'config' })
