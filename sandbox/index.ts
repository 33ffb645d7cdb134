import type { AddressInfo } from 'node:net'
import Fastify, { LogController, type FastifyServerOptions } from 'fastify'
import sandboxApp from './app.js'
import { createSandboxState } from './state.js'
import type { Faults, RunningSandbox, SandboxLogger, SandboxOptions } from './types.js'

export type { Faults, FaultMode, RunningSandbox, SandboxLogger, SandboxOptions, SandboxStats } from './types.js'
export type { SandboxPluginOptions } from './app.js'
export { default as sandboxApp } from './app.js'
export { FaultsSchema, checkFaults } from './faults.js'

export interface StartSandboxOptions extends Partial<SandboxOptions> {
  /** Default 0 (ephemeral). */
  port?: number
  /** Default 127.0.0.1. */
  host?: string
}

function loggerOptions (logger: SandboxLogger): Pick<FastifyServerOptions, 'logger' | 'loggerInstance'> {
  if (logger === false) return { logger: false }
  if (logger === true) return { logger: { level: 'info' } }
  if (typeof logger === 'string') return { logger: { level: logger } }
  return { loggerInstance: logger.child({ component: 'hostaway-sandbox' }) }
}

/**
 * The one way to run a sandbox on its own server: `host:port` (default 127.0.0.1, ephemeral port).
 * Throws a TypeError naming a bad option.
 */
export async function startSandbox (opts: StartSandboxOptions = {}): Promise<RunningSandbox> {
  const { port = 0, host = '127.0.0.1', ...options } = opts
  const state = createSandboxState(options)
  const app = Fastify({
    ...loggerOptions(state.options.logger),
    // One debug line per request (the plugin's onResponse hook) instead of Fastify's two info lines.
    logController: new LogController({ disableRequestLogging: true }),
    // Hanging requests and keep-alive sockets must not delay close().
    forceCloseConnections: true,
    // Where a schema says additionalProperties: false, reject unknown fields rather than silently drop them.
    ajv: { customOptions: { removeAdditional: false } }
  })
  app.register(sandboxApp, { state })
  try {
    await app.listen({ port, host })
  } catch (err) {
    await app.close()
    throw err
  }
  const address = app.server.address() as AddressInfo
  const shown = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host
  const origin = `http://${shown}:${address.port}`
  let closing: Promise<void> | undefined
  return {
    baseUrl: `${origin}/v1`,
    origin,
    port: address.port,
    accountId: state.options.accountId,
    apiKey: state.options.apiKey,
    stats: async () => state.stats.snapshot(),
    setFaults: async (faults: Faults) => { state.setFaults(faults) },
    reset: async (resetOpts) => state.reset(resetOpts),
    expireTokens: async () => { state.tokens.revokeAll() },
    close: () => (closing ??= app.close())
  }
}
