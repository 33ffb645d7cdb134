import Fastify from 'fastify'
import closeWithGrace from 'close-with-grace'
import { ConfigError, configWarnings, listenErrorLine, loadConfig } from './services/config.js'
import { chooseUpstream, embeddedSandboxOptions, type UpstreamKind } from './services/upstream.js'
import type { Config } from './schemas/config.js'

interface Closable { close: () => Promise<void> }

/**
 * Beyond the drain (SHUTDOWN_GRACE_MS, then 2 s for the aborted requests to answer:
 * plugins/app/lifecycle.ts), how long the rest of the close may take — sockets, Redis, the
 * upstream client, the embedded sandbox — before the process is killed (exit 1). In all, a
 * SIGTERM ends the process within SHUTDOWN_GRACE_MS + 5 s.
 */
const CLOSE_MARGIN_MS = 3000

async function main (): Promise<void> {
  let config: Config
  let upstream: UpstreamKind
  try {
    config = loadConfig(process.env)
    upstream = chooseUpstream(config)
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`)
      process.exit(1)
    }
    throw err
  }

  // imported once the configuration is valid, so a bad variable fails fast
  const { default: app, serverOptions } = await import('./app.js')
  const { drainBoundMs } = await import('./plugins/app/lifecycle.js')
  const server = Fastify(serverOptions(config))
  for (const warning of configWarnings(config)) server.log.warn({}, warning)
  let sandbox: Closable | undefined

  if (upstream === 'sandbox') {
    // No Hostaway credentials, outside production (or HOSTAWAY_SANDBOX=1): the embedded simulator.
    const { startSandbox } = await import('./sandbox/index.js')
    const sb = await startSandbox({ port: 0, ...embeddedSandboxOptions(config), logger: server.log })
    sandbox = sb
    config = { ...config, HOSTAWAY_BASE_URL: sb.baseUrl, HOSTAWAY_ACCOUNT_ID: sb.accountId, HOSTAWAY_API_KEY: sb.apiKey }
    server.log.warn({ upstream: sb.baseUrl },
      'No Hostaway credentials configured: using the embedded Hostaway SANDBOX (simulated data). ' +
      'To use the real Hostaway API set HOSTAWAY_ACCOUNT_ID and HOSTAWAY_API_KEY.')
  }

  await server.register(app, { config, upstream })

  // close() drains first: in-flight requests get SHUTDOWN_GRACE_MS, then their work is aborted and they answer
  closeWithGrace({ delay: drainBoundMs(config) + CLOSE_MARGIN_MS, logger: server.log }, async ({ signal, err }) => {
    if (err !== undefined) server.log.error({ err }, 'shutting down after an error')
    else server.log.info({ signal }, 'shutting down')
    await server.close()
    await sandbox?.close()
    server.log.info({}, 'closed')
  })

  try {
    await server.listen({ host: config.HOST, port: config.PORT })
  } catch (err) {
    // one line, like a config error: a busy port or a host that is not this machine's is the operator's to fix, not a stack
    process.stderr.write(`${listenErrorLine(err, { host: config.HOST, port: config.PORT })}\n`)
    await sandbox?.close()
    process.exit(1)
  }
}

await main()
