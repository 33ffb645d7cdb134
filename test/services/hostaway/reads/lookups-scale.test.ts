import t from 'tap'
import fc from 'fast-check'
import { sandbox, seededTests } from '../../../helper.js'
import { lookups, upstream } from './lookup-fixtures.js'

// #28 scaled down, over real HTTP: 500 listings (5 pages) and, at 150 listings, 988 reservations (10 pages)
const listingsSb = await sandbox(t, { listingCount: 500, rateLimitIp: 100_000, rateLimitAccount: 100_000 })
const bookingsSb = await sandbox(t, { listingCount: 150, rateLimitIp: 100_000, rateLimitAccount: 100_000 })
const OPEN = { HOSTAWAY_RATE_LIMIT_IP: 100_000, HOSTAWAY_RATE_LIMIT_ACCOUNT: 100_000, HOSTAWAY_MAX_RETRIES: 1 }
const RESERVATIONS = 988
const test = seededTests(t, listingsSb, bookingsSb)

/** `k` distinct ids of 1..n, from `seed`. */
const randomIds = (k: number, n: number, seed: number) =>
  fc.sample(fc.uniqueArray(fc.integer({ min: 1, max: n }), { minLength: k, maxLength: k }), { numRuns: 1, seed })[0]

test('40 random reservations of 988: the ten pages of the list, no GET, all reported (per-id: 40 GETs)', async (t) => {
  for (const seed of [1, 2, 3]) {
    await bookingsSb.reset()
    const g = lookups(t, bookingsSb, OPEN)
    const res = await g.bookings(randomIds(40, RESERVATIONS, seed))
    t.equal(res.success_count, 40, `seed ${seed}`)
    t.match(await upstream(bookingsSb), { reservationPages: 10, reservationGets: 0, tokens: 1 }, `seed ${seed}: 11 calls with the token`)
  }
})

test('30 random listings of 500: the five pages, no GET (per-id: 30 GETs)', async (t) => {
  for (const seed of [1, 2, 3]) {
    await listingsSb.reset()
    const g = lookups(t, listingsSb, OPEN)
    const res = await g.listings(randomIds(30, 500, seed))
    t.equal(res.success_count, 30, `seed ${seed}`)
    t.match(await upstream(listingsSb), { listingPages: 5, listingGets: 0, tokens: 1 }, `seed ${seed}: 6 calls with the token`)
  }
})

test('the first ids of the order: one page, as before', async (t) => {
  const g = lookups(t, listingsSb, OPEN)
  await g.listings(Array.from({ length: 100 }, (_, i) => i + 1))
  t.match(await upstream(listingsSb), { listingPages: 1, listingGets: 0 })
})

test('property: never more than per-id + 1 nor a full scan + 1 (ids that exist); with unknown ids, a full scan + 1', async (t) => {
  await fc.assert(fc.asyncProperty(
    fc.constantFrom('listings' as const, 'bookings' as const),
    fc.uniqueArray(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 60 }),
    fc.uniqueArray(fc.integer({ min: 900_000, max: 900_050 }), { maxLength: 5 }),
    async (kind, picks, unknown) => {
      const sb = kind === 'listings' ? listingsSb : bookingsSb
      const size = kind === 'listings' ? 500 : RESERVATIONS
      const ids = [...new Set(picks.map((p) => 1 + (p % size)))]
      const wanted = [...ids, ...unknown]
      await sb.reset()
      const g = lookups(t, sb, OPEN)
      const res = kind === 'listings' ? await g.listings(wanted) : await g.bookings(wanted)
      const u = await upstream(sb)
      const calls = u.listingPages + u.listingGets + u.reservationPages + u.reservationGets
      const fullScan = Math.ceil(size / 100) + unknown.length
      const ok = res.success_count === ids.length && calls <= fullScan + 1 && calls <= wanted.length + 1 + unknown.length &&
        (unknown.length > 0 || calls <= Math.min(wanted.length, fullScan) + 1)
      if (!ok) t.fail(`${kind}: ${calls} calls for ${ids.length} ids and ${unknown.length} unknown (full scan ${fullScan})`)
      await g.client.close()
      return ok
    }
  ), { numRuns: 16 })
  t.pass('within per-id + 1 and full scan + 1')
})
