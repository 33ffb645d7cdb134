import type { AddressInfo } from 'node:net'
import { createSandbox } from './app.js'
import type { Faults, RunningSandbox, SandboxOptions } from './types.js'

export type { Faults, FaultMode, RunningSandbox, SandboxLogger, SandboxOptions, SandboxStats } from './types.js'
export { buildSandbox, default as sandboxApp } from './app.js'
export { FaultsSchema, checkFaults } from './faults.js'

export interface StartSandboxOptions extends Partial<SandboxOptions> {
  /** Default 0 (ephemeral). */
  port?: number
  /** Default 127.0.0.1. */
  host?: string
}

/** Start a sandbox listening on `host:port` (default 127.0.0.1, ephemeral port). */
export async function startSandbox (opts: StartSandboxOptions = {}): Promise<RunningSandbox> {
  const { port = 0, host = '127.0.0.1', ...options } = opts
  const { app, state } = createSandbox(options)
  await app.listen({ port, host })
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
