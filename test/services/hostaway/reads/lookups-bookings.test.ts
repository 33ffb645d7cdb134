import t from 'tap'
import { sandbox, seededTests } from '../../../helper.js'
import { lookups, upstream } from './lookup-fixtures.js'

type Scope = Pick<typeof t, 'teardown'>

// the default 40 listings: 257 reservations, three pages of the default order
const sb = await sandbox(t, { rateLimitIp: 10_000, rateLimitAccount: 10_000 })
const OPEN = { HOSTAWAY_RATE_LIMIT_IP: 10_000, HOSTAWAY_RATE_LIMIT_ACCOUNT: 10_000, HOSTAWAY_MAX_RETRIES: 1 }
const gateway = (t: Scope, env: Record<string, string | number> = {}) => lookups(t, sb, { ...OPEN, ...env })

// the default order (most recently changed first), as GET /reservations answers it
const reference = gateway(t, { CACHE_TTL_MS: 0, BATCH_PLANNER: 'off' })
const order: number[] = []
for (let offset = 0; ; offset += 100) {
  const page = await reference.client.searchReservations({ limit: 100, offset })
  order.push(...page.items.map((b) => b.id))
  if (page.items.length < 100) break
}
const test = seededTests(t, sb)

test('the 50 most recently changed: one page, each item with its by-id object', async (t) => {
  const ids = order.slice(0, 50)
  const g = gateway(t)
  const res = await g.bookings(ids)
  t.equal(res.success_count, 50)
  t.ok(res.successful.every((r) => r.attempts === 1))
  t.match(await upstream(sb), { reservationPages: 1, reservationGets: 0 })
  const byId = await reference.bookings(ids)
  t.same(res.successful.map((r) => r.data), byId.successful.map((r) => r.data), 'a list object with both include flags is the by-id object')
})

test('scattered ids: pages while each resolves at least two, then by id; never more than per-id + 1', async (t) => {
  const ids = order.filter((_, i) => i % 5 === 0).slice(0, 50)
  const g = gateway(t)
  const res = await g.bookings(ids)
  t.equal(res.success_count, 50)
  const calls = await upstream(sb)
  t.equal(calls.reservationPages, 3, 'the whole order is three pages; each held about 20 of them')
  t.equal(calls.reservationGets, 0)
  t.ok(calls.reservationPages + calls.reservationGets <= ids.length + 1)
  await g.bookings(ids)
  t.match(await upstream(sb), { reservationPages: 3, reservationGets: 0 }, 'the pages filled the cache')
})

test('the oldest changes: after the first page, the two pages left cost less than four GETs', async (t) => {
  const ids = [...order.slice(-3), 999_999]
  const g = gateway(t)
  const res = await g.bookings(ids)
  t.equal(res.success_count, 3)
  t.match(res.failed, [{ operation_id: '999999', error_type: 'not_found', status_code: 404, attempts: 1 }])
  t.match(await upstream(sb), { reservationPages: 3, reservationGets: 1 }, 'the whole list, then the id on no page: 4 calls (per-id: 4)')
})

test('a walk stops at the first page that resolves too few: few ids left are read by id', async (t) => {
  // 257 reservations: page 0 holds 40 of them, and 2 of the 3 pages left would hold the last 3
  const ids = [...order.slice(0, 40), ...order.slice(-2)]
  const g = gateway(t)
  const res = await g.bookings(ids)
  t.equal(res.success_count, 42)
  t.match(await upstream(sb), { reservationPages: 1, reservationGets: 2 }, 'two pages left for two ids: per-id is as cheap and certain')
})

test('a page that fails sends its ids to per-id GETs', async (t) => {
  await sb.setFaults({ fail_routes: { 500: ['GET /v1/reservations'] } })
  const g = gateway(t, { HOSTAWAY_RETRY_BASE_MS: 5 })
  const ids = order.slice(0, 10)
  const res = await g.bookings(ids)
  t.equal(res.success_count, 10)
  t.match(await upstream(sb), { reservationPages: 2, reservationGets: 10 })
})

test('ids a page leaves out are read by id; the walk goes on past them', async (t) => {
  const ids = order.slice(0, 20)
  await sb.setFaults({ omit_from_lists: [ids[3], ids[11]] })
  const g = gateway(t)
  const res = await g.bookings(ids)
  t.equal(res.success_count, 20)
  t.same(res.successful.map((r) => r.data?.id), ids)
  t.match(await upstream(sb), { reservationPages: 1, reservationGets: 2 })
})

test('a deadline during a walk: the ids of a page in flight time out', async (t) => {
  await sb.setFaults({ fail_routes: { hang: ['GET /v1/reservations'] } })
  const g = gateway(t, { HOSTAWAY_TIMEOUT_MS: 5000 })
  const res = await g.bookings(order.slice(0, 4), 300)
  t.equal(res.failure_count, 4)
  for (const f of res.failed) {
    t.match(f, { error_type: 'timeout', status_code: 504, attempts: 1 })
    t.match(f.error, /^GET \/reservations\/\d+ → no answer: the batch deadline of 300 ms passed while GET \/reservations \(a list page that may hold it\) was in flight$/)
  }
})

test('duplicates and the cache: one plan for the distinct ids, every position answered', async (t) => {
  const g = gateway(t)
  const [a, b, c] = order
  await g.bookings([a])
  const res = await g.bookings([a, b, b, c, a, 999_998, 999_998])
  t.equal(res.total_count, 7)
  t.same(res.successful.map((r) => r.index), [0, 1, 2, 3, 4])
  t.same(res.failed.map((r) => [r.index, r.error_type]), [[5, 'not_found'], [6, 'not_found']])
  t.match(await upstream(sb), { reservationPages: 1, reservationGets: 2 }, 'a cached, then b, c from a page and 999998 by id')
})
