import type { FastifyBaseLogger } from 'fastify'
import pino from 'pino'
import { createHostaway, limiterFromConfig, type HostawaySeams } from '../../../services/compose.js'
import type { RunningSandbox } from '../../../sandbox/index.js'
import { loadConfig } from '../../../services/config.js'
import { GatewayError } from '../../../services/errors.js'
import { createMemoryStore } from '../../../services/hostaway/reads/cache.js'
import type { KeyValueStore } from '../../../services/seams.js'
import { NO_TELEMETRY, type Telemetry } from '../../../services/telemetry.js'
import { sandboxUpstream, type Teardown } from '../../fixtures/harness.js'

/** Await a promise that must reject with a GatewayError, and return that error. */
export async function failure (p: Promise<unknown>): Promise<GatewayError> {
  try {
    await p
  } catch (err) {
    if (err instanceof GatewayError) return err
    throw err
  }
  throw new Error('expected a GatewayError')
}

export interface TestClientOptions {
  /** configuration variables overriding the fast test settings */
  env?: Record<string, string | number>
  log?: FastifyBaseLogger
  store?: KeyValueStore<unknown>
  /** shared seams (e.g. Redis's) in place of this process's own */
  seams?: (config: ReturnType<typeof loadConfig>) => HostawaySeams
  /** what the parts report (default: nowhere) */
  telemetry?: Telemetry
}

/**
 * The upstream client exactly as the hostaway plugin composes it, against `sandbox`, with a short
 * rate window, fast retries and no read cache unless `env` says otherwise; closed with the test.
 * Also gives the limiter (its stats) and close().
 */
export function testClient (t: Teardown, sandbox: RunningSandbox, { env = {}, log, store, seams, telemetry = NO_TELEMETRY }: TestClientOptions = {}) {
  const config = loadConfig({
    ...sandboxUpstream(sandbox),
    HOSTAWAY_RATE_WINDOW_MS: '1000',
    HOSTAWAY_TIMEOUT_MS: '2000',
    HOSTAWAY_RETRY_BASE_MS: '10',
    HOSTAWAY_TOKEN_SETTLE_MS: '50',
    CACHE_TTL_MS: '0',
    ...Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]))
  })
  const hostaway = createHostaway({
    config,
    log: log ?? pino({ level: 'silent' }),
    telemetry,
    ...(seams?.(config) ?? { limiter: limiterFromConfig(config, telemetry), store: store ?? createMemoryStore() })
  })
  t.teardown(() => hostaway.close())
  return { ...hostaway.client, limiter: hostaway.limiter, close: hostaway.close }
}
