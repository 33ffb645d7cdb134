import type { Config } from '../schemas/config.js'
import { ConfigError } from '../lib/env.js'

/** What the gateway talks to: the real Hostaway API, or the embedded simulator. */
export type UpstreamKind = 'sandbox' | 'hostaway'

/**
 * The upstream a configuration asks for: Hostaway when its credentials are set; else the embedded
 * sandbox, but only outside production (`NODE_ENV` is not `production`) or when HOSTAWAY_SANDBOX
 * allows it. Otherwise a ConfigError whose one-line message says what to set: a production start
 * never serves simulated data by accident.
 */
export function chooseUpstream (config: Pick<Config, 'NODE_ENV' | 'HOSTAWAY_SANDBOX' | 'HOSTAWAY_ACCOUNT_ID' | 'HOSTAWAY_API_KEY'>): UpstreamKind {
  if (config.HOSTAWAY_ACCOUNT_ID !== undefined && config.HOSTAWAY_API_KEY !== undefined) return 'hostaway'
  if (config.NODE_ENV !== 'production' || config.HOSTAWAY_SANDBOX) return 'sandbox'
  throw new ConfigError('Invalid configuration: NODE_ENV=production without Hostaway credentials: set HOSTAWAY_ACCOUNT_ID and HOSTAWAY_API_KEY (or HOSTAWAY_SANDBOX=1 to serve the simulated sandbox on purpose)')
}

/** The embedded sandbox's settings, from the SANDBOX_* variables. */
export function embeddedSandboxOptions (config: Pick<Config, 'SANDBOX_ACCOUNT_ID' | 'SANDBOX_API_KEY' | 'SANDBOX_SEED' | 'SANDBOX_RATE_WINDOW_MS' | 'SANDBOX_LISTING_COUNT'>) {
  return {
    accountId: config.SANDBOX_ACCOUNT_ID,
    apiKey: config.SANDBOX_API_KEY,
    seed: config.SANDBOX_SEED,
    rateWindowMs: config.SANDBOX_RATE_WINDOW_MS,
    listingCount: config.SANDBOX_LISTING_COUNT
  }
}

/** A base URL safe to show: scheme, host, port and path; never userinfo, query or fragment. */
export function publicUrl (url: string): string {
  try {
    const u = new URL(url)
    return `${u.protocol}//${u.host}${u.pathname}`
  } catch {
    return '(invalid URL)'
  }
}
