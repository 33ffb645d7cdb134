import t from 'tap'
import fc from 'fast-check'
import type { Faults } from '../../../../sandbox/index.js'
import type { OperationResult, PartialFailureResponse } from '../../../../schemas/batch.js'
import { sandbox } from '../../../helper.js'
import { lookups } from './lookup-fixtures.js'

// 150 listings (two pages), ~1000 reservations (ten pages of the default order)
const sb = await sandbox(t, { listingCount: 150, rateLimitIp: 100_000, rateLimitAccount: 100_000 })
const FAST = { HOSTAWAY_RATE_LIMIT_IP: 100_000, HOSTAWAY_RATE_LIMIT_ACCOUNT: 100_000, HOSTAWAY_MAX_RETRIES: 1, HOSTAWAY_RETRY_BASE_MS: 5, HOSTAWAY_TIMEOUT_MS: 1000 }
const LIST_ROUTES = ['GET /v1/listings', 'GET /v1/reservations']
const MODES = ['500', '503', '429', 'reset', 'fail_200'] as const

const reference = lookups(t, sb, { ...FAST, BATCH_PLANNER: 'off', CACHE_TTL_MS: 0, NEGATIVE_CACHE_TTL_MS: 0 })
const order: number[] = []
for (let offset = 0; ; offset += 100) {
  const page = await reference.client.searchReservations({ limit: 100, offset })
  order.push(...page.items.map((b) => b.id))
  if (page.items.length < 100) break
}

/** What must be equal item by item: position, id, outcome, category, status, retryability and data. */
function comparable (res: PartialFailureResponse<unknown>) {
  const item = (r: OperationResult<unknown>) => [r.index, r.operation_id, r.success, r.error_type, r.status_code, r.retryable, r.data]
  return { successful: res.successful.map(item), failed: res.failed.map(item), total: res.total_count }
}

// an id: an existing one (bookings: weighted towards recent changes), an unknown one, or a repeat
const listingId = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 150 }) }, { weight: 1, arbitrary: fc.integer({ min: 5000, max: 5005 }) })
const bookingId = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 0, max: 149 }).map((i) => order[i]) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: order.length - 1 }).map((i) => order[i]) },
  { weight: 1, arbitrary: fc.integer({ min: 900_000, max: 900_005 }) }
)
const faults = fc.record({
  always: fc.option(fc.constantFrom(...MODES), { nil: undefined }),
  // a hang costs a per-attempt timeout: only as a one-off (the retry answers)
  once: fc.option(fc.constantFrom(...MODES, 'hang' as const), { nil: undefined }),
  omit: fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 4 })
})

t.test('property: for random ids, cache states and list faults, the planned response equals the per-id one', async (t) => {
  let scans = 0
  await fc.assert(fc.asyncProperty(
    fc.constantFrom('listings' as const, 'bookings' as const),
    fc.nat(),
    faults,
    fc.constantFrom('cold', 'listed', 'warm'),
    async (kind, seed, f, warmth) => {
      const ids = fc.sample(fc.array(kind === 'listings' ? listingId : bookingId, { minLength: 1, maxLength: 40, size: 'medium' }), { numRuns: 1, seed })[0]
      await sb.reset()
      const planned = lookups(t, sb, FAST)
      try {
        // a gateway that has seen lists or batches before knows counts, pages and cached items
        if (warmth === 'listed') await planned.client.listListings({ limit: 100, offset: 0 })
        if (warmth === 'warm') await (kind === 'listings' ? planned.listings(ids.slice(0, 5)) : planned.bookings(ids.slice(0, 5)))
        const config: Faults = { omit_from_lists: f.omit.map((i) => (kind === 'listings' ? i + 1 : order[i])) }
        if (f.always !== undefined) config.fail_routes = { [f.always]: LIST_ROUTES }
        if (f.once !== undefined) config.fail_routes_once = { [f.once]: LIST_ROUTES }
        await sb.setFaults(config)
        const before = (await sb.stats()).requests.by_route
        const got = kind === 'listings' ? await planned.listings(ids) : await planned.bookings(ids)
        const after = (await sb.stats()).requests.by_route
        if ((after['GET /v1/listings'] ?? 0) + (after['GET /v1/reservations'] ?? 0) > (before['GET /v1/listings'] ?? 0) + (before['GET /v1/reservations'] ?? 0)) scans++
        const want = kind === 'listings' ? await reference.listings(ids) : await reference.bookings(ids)
        t.same(comparable(got), comparable(want), `${kind} ${JSON.stringify(ids)} ${JSON.stringify(config)} ${warmth}`)
        return JSON.stringify(comparable(got)) === JSON.stringify(comparable(want))
      } finally {
        await planned.client.close()
      }
    }
  ), { numRuns: 30 })
  t.ok(scans >= 10, `list pages were read in ${scans} of 30 runs: the property exercised the planner`)
})
