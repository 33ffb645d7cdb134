/**
 * Standalone sandbox: `npm run sandbox`. The only file of sandbox/ that reads process.env.
 *
 *   SANDBOX_PORT (4010)  SANDBOX_HOST (127.0.0.1)  SANDBOX_ACCOUNT_ID (10000)  SANDBOX_API_KEY (sandbox-secret)
 *   SANDBOX_SEED (42)  SANDBOX_RATE_WINDOW_MS (10000)  SANDBOX_RATE_LIMIT_IP (15)  SANDBOX_RATE_LIMIT_ACCOUNT (20)
 *   SANDBOX_LISTING_COUNT (40)  SANDBOX_FAULTS (JSON, e.g. {"status_rates":{"503":0.1}})
 *   SANDBOX_BASE_DATE (today, UTC)  SANDBOX_LOG_LEVEL (info)
 * Rules and defaults: SandboxEnvSchema (env.ts).
 */
import pino from 'pino'
import { ConfigError } from '../lib/env.js'
import { configFromEnv, type EnvConfig } from './env.js'
import type { RunningSandbox } from './types.js'

function die (message: string): never {
  process.stderr.write(`sandbox: ${message}\n`)
  process.exit(1)
}

let config: EnvConfig
try {
  config = configFromEnv(process.env)
} catch (err) {
  if (!(err instanceof ConfigError)) throw err
  die(err.message)
}
const { port, host, logLevel, options } = config
const logger = pino({ name: 'hostaway-sandbox', level: logLevel })

// Imported only once the environment is valid, so a bad variable fails fast.
const { startSandbox } = await import('./index.js')
let sandbox: RunningSandbox
try {
  sandbox = await startSandbox({ ...options, port, host, logger })
} catch (err) {
  die(`cannot start on ${host}:${port}: ${(err as Error).message}`)
}

logger.info({ baseUrl: sandbox.baseUrl }, `Hostaway sandbox listening on ${sandbox.origin}`)
logger.info(`credentials: client_id=${sandbox.accountId} client_secret=${sandbox.apiKey}`)
logger.info(`base URL: ${sandbox.baseUrl}  (stats: ${sandbox.origin}/__sandbox/stats)`)
logger.info({ seed: options.seed, listingCount: options.listingCount, rateLimitIp: options.rateLimitIp, rateLimitAccount: options.rateLimitAccount, rateWindowMs: options.rateWindowMs, faults: options.faults }, 'settings')

let stopping = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1)
    stopping = true
    logger.info(`${signal} received, closing`)
    sandbox.close().then(() => process.exit(0), (err: unknown) => {
      logger.error({ err }, 'close failed')
      process.exit(1)
    })
  })
}
