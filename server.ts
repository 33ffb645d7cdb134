import Fastify from 'fastify'
import closeWithGrace from 'close-with-grace'
import app, { serverOptions } from './app.js'
import { ConfigError, loadConfig } from './services/config.js'
import type { Config } from './schemas/config.js'

interface Closable { close: () => Promise<void> }

async function main (): Promise<void> {
  let config: Config
  try {
    config = loadConfig(process.env)
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`)
      process.exit(1)
    }
    throw err
  }

  const server = Fastify(serverOptions(config))
  let sandbox: Closable | undefined

  if (config.HOSTAWAY_ACCOUNT_ID === undefined || config.HOSTAWAY_API_KEY === undefined) {
    // No Hostaway credentials: run against the embedded sandbox so the whole product works with zero setup.
    const { startSandbox } = await import('./sandbox/index.js')
    const sb = await startSandbox({
      port: 0,
      accountId: config.SANDBOX_ACCOUNT_ID,
      apiKey: config.SANDBOX_API_KEY,
      seed: config.SANDBOX_SEED,
      rateWindowMs: config.SANDBOX_RATE_WINDOW_MS,
      listingCount: config.SANDBOX_LISTING_COUNT,
      logger: server.log
    })
    sandbox = sb
    config = { ...config, HOSTAWAY_BASE_URL: sb.baseUrl, HOSTAWAY_ACCOUNT_ID: sb.accountId, HOSTAWAY_API_KEY: sb.apiKey }
    server.log.warn({ upstream: sb.baseUrl },
      'No Hostaway credentials configured: using the embedded Hostaway SANDBOX (simulated data). ' +
      'To use the real Hostaway API set HOSTAWAY_ACCOUNT_ID and HOSTAWAY_API_KEY.')
  }

  await server.register(app, { config })

  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err !== undefined) server.log.error({ err }, 'shutting down after an error')
    else server.log.info({ signal }, 'shutting down')
    await server.close()
    await sandbox?.close()
  })

  try {
    await server.listen({ host: config.HOST, port: config.PORT })
  } catch (err) {
    server.log.error({ err }, 'could not start listening')
    await sandbox?.close()
    process.exit(1)
  }
}

await main()
