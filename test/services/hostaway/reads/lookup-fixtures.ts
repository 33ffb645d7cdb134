import pino from 'pino'
import type { RunningSandbox } from '../../../../sandbox/index.js'
import { OPEN_CALLER } from '../../../../services/auth.js'
import { createBatchRunner } from '../../../../services/batch/run.js'
import { createMemoryIdempotencyStore } from '../../../../services/idempotency.js'
import { createOperations } from '../../../../services/operations.js'
import { createAuditTrail } from '../../../../services/audit.js'
import { testClient, type TestClientOptions } from '../fixtures.js'
import { upstreamCount } from '../../../fixtures/harness.js'
import { NO_TELEMETRY } from '../../../../services/telemetry.js'

/** Upstream calls the sandbox counted, by kind: list pages and by-id GETs of listings and reservations. */
export async function upstream (sb: RunningSandbox) {
  const byRoute = (await sb.stats()).requests.by_route
  return {
    listingPages: upstreamCount(byRoute, /^GET \/v1\/listings$/),
    listingGets: upstreamCount(byRoute, /^GET \/v1\/listings\/:id$/),
    reservationPages: upstreamCount(byRoute, /^GET \/v1\/reservations$/),
    reservationGets: upstreamCount(byRoute, /^GET \/v1\/reservations\/:id$/),
    tokens: upstreamCount(byRoute, /^POST \S*accessTokens$/)
  }
}

/**
 * The batch lookups exactly as the routes run them (operations → runBatch → the client's plan),
 * against `sb`, with the read cache on unless `env` says otherwise; closed with the test.
 */
export function lookups (t: { teardown: (fn: () => unknown) => void }, sb: RunningSandbox, env: TestClientOptions['env'] = {}, opts: Omit<TestClientOptions, 'env'> = {}) {
  const client = testClient(t, sb, { env: { CACHE_TTL_MS: 30_000, BATCH_CONCURRENCY: 8, ...env }, ...opts })
  const idempotency = createMemoryIdempotencyStore()
  t.teardown(() => idempotency.close())
  const ops = createOperations({
    hostaway: client,
    runBatch: createBatchRunner({ concurrency: Number(env.BATCH_CONCURRENCY ?? 8), timeoutMs: 10_000, secrets: [] }),
    idempotency,
    idempotencyTtlMs: 60_000,
    telemetry: opts.telemetry ?? NO_TELEMETRY,
    audit: createAuditTrail(pino({ level: 'silent' }))
  })
  const ctx = { logger: pino({ level: 'silent' }), caller: OPEN_CALLER }
  return {
    client,
    ops,
    listings: (ids: number[], timeoutMs?: number) => ops.batchGetListings({ ids, timeout_ms: timeoutMs }, ctx),
    bookings: (ids: number[], timeoutMs?: number) => ops.batchGetBookings({ ids, timeout_ms: timeoutMs }, ctx)
  }
}

export const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)
