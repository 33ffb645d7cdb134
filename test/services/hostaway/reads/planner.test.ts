import t from 'tap'
import fc from 'fast-check'
import { scanListings, walkReservations, type ListingMemo, type ScanContext } from '../../../../services/hostaway/reads/scans.js'
import { MIN_SCAN_IDS, credit, listingPagesToRead, nextReservationStep } from '../../../../services/hostaway/reads/planner.js'

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)
const listing = (over: Partial<Parameters<typeof listingPagesToRead>[0]> = {}) =>
  listingPagesToRead({ wanted: range(1, 10), spent: 0, resolved: 0, count: undefined, pageSize: 100, read: new Set(), index: new Map(), concurrency: 8, ...over })

t.test('credit: one call on trust, then only what resolved ids paid for', async (t) => {
  t.equal(credit({ spent: 0, resolved: 0 }), 1)
  t.equal(credit({ spent: 1, resolved: 0 }), 0)
  t.equal(credit({ spent: 1, resolved: 40 }), 40)
  t.equal(credit({ spent: 5, resolved: 2 }), 0, 'never negative')
})

t.test('listings: probe page 0 when the count is unknown; nothing for fewer than MIN_SCAN_IDS ids', async (t) => {
  t.same(listing(), [0])
  t.same(listing({ wanted: range(1, MIN_SCAN_IDS - 1) }), [], 'two ids: per-id')
  t.same(listing({ wanted: range(1, MIN_SCAN_IDS) }), [0])
  t.same(listing({ wanted: [] }), [])
  t.same(listing({ read: new Set([0]), spent: 1, resolved: 3 }), [], 'count still unknown after the probe: stop')
})

t.test('listings with a known count: every page left when they are fewer than the ids left, else per-id', async (t) => {
  t.same(listing({ count: 150, wanted: range(1, 2), spent: 1, resolved: 5, read: new Set([1]) }), [0], 'after a start, two ids may still take one page')
  t.same(listing({ count: 250, wanted: range(1, 3) }), [], '3 pages for 3 ids: per-id is as cheap and certain')
  t.same(listing({ count: 250, wanted: range(1, 4) }), [0, 1, 2], '3 pages for 4 ids: the whole list, at once')
  t.same(listing({ count: 250, wanted: range(1, 90), spent: 1, resolved: 10, read: new Set([0]) }), [1, 2], 'then the rest at once')
  t.same(listing({ count: 250, wanted: range(1, 90), spent: 1, resolved: 0, read: new Set([0]) }), [1, 2], 'a page that resolved nothing: the rest still costs less than 90 GETs')
  t.same(listing({ count: 2000, wanted: range(1, 19) }), [], '20 pages for 19 ids: per-id')
  t.same(listing({ count: 2000, wanted: range(1, 21) }).length, 20, '20 pages for 21 ids: the whole list')
})

t.test('listings: the page index ranks pages and skips those known to hold none of the ids', async (t) => {
  const index = new Map([[0, new Set(range(1, 100))], [1, new Set(range(101, 200))]])
  t.same(listing({ count: 300, wanted: [150, 160, 170, 180], index }), [1], 'the page known to hold them first')
  t.same(listing({ count: 300, wanted: [150, 160, 170, 180], index, spent: 1, resolved: 2, read: new Set([1]) }), [2], 'page 0 skipped; page 2 never read')
  t.same(listing({ count: 200, wanted: [998, 999, 997], index }), [], 'every page known, none holds them: by id')
})

t.test('reservations: the walk goes on while the next recent page is the cheapest plan; the rest of the list when it is', async (t) => {
  const next = (over: Partial<Parameters<typeof nextReservationStep>[0]>) =>
    nextReservationStep({ unresolved: 50, spent: 0, resolved: 0, pageSize: 100, concurrency: 8, ...over })
  t.equal(next({}), 'walk', 'first page for 50 ids')
  t.equal(next({ unresolved: 2 }), 'stop', 'two ids: per-id')
  t.equal(next({ spent: 1, resolved: 40, last: { resolved: 40, length: 100 } }), 'walk', 'count unknown: the walk while pages pay')
  t.equal(next({ spent: 1, resolved: 40, last: { resolved: 40, length: 100 }, pagesLeft: 30 }), 'walk', 'the next page (~40 of 50) beats 30 pages')
  t.equal(next({ spent: 1, resolved: 1, last: { resolved: 1, length: 100 } }), 'stop', 'one per page does not beat a GET')
  t.equal(next({ spent: 1, resolved: 1, last: { resolved: 1, length: 100 }, pagesLeft: 9 }), 'scan', '9 pages left beat 50 GETs')
  t.equal(next({ unresolved: 98, spent: 1, resolved: 2, last: { resolved: 2, length: 100 }, pagesLeft: 49 }), 'scan', '100 ids in 5000: the rest of the list')
  t.equal(next({ unresolved: 98, spent: 1, resolved: 0, last: { resolved: 0, length: 100 }, pagesLeft: 49 }), 'scan', 'whatever the probe found')
  t.equal(next({ spent: 1, resolved: 40, last: { resolved: 40, length: 60 } }), 'stop', 'a short page ends the list')
  t.equal(next({ unresolved: 2, spent: 1, resolved: 40, last: { resolved: 40, length: 100 }, pagesLeft: 2 }), 'stop', 'two ids left, two pages: by id')
  t.equal(next({ spent: 3, resolved: 2, last: { resolved: 2, length: 100 } }), 'stop', 'out of credit')
  t.equal(next({ spent: 1, resolved: 0 }), 'stop', 'no page answered (it failed): stop')
})

/**
 * A plan run by the real scans against a list in memory: `order` is the list as its pages give it
 * (any order, any ids: what the upstream holds), `wanted` the uncached ids. Returns the upstream
 * calls: pages read, then one GET per id no page resolved.
 */
async function run (kind: 'listings' | 'reservations', order: readonly number[], wanted: readonly number[], concurrency: number, memo?: ListingMemo) {
  const open = new Set(wanted)
  let pages = 0
  const position = new Map(order.map((id, i) => [id, i]))
  const ctx: ScanContext = {
    pending: () => [...open],
    concurrency,
    budget: () => undefined,
    read: async (spec) => {
      pages++
      await Promise.resolve()
      const q = spec.query as { offset?: number, afterId?: number }
      const start = q.afterId !== undefined ? (position.get(q.afterId) ?? -1) + 1 : (q.offset ?? 0)
      return { items: order.slice(start, start + 100).map((id) => ({ id })), count: order.length, attempts: 1 }
    },
    take: (page) => page.items.filter((v) => open.delete((v as { id: number }).id)).length
  }
  if (kind === 'listings') await scanListings(ctx, memo ?? { count: undefined, pages: new Map() })
  else await walkReservations(ctx)
  return pages + open.size
}

// a list of n distinct ids in any order, and wanted ids from it and beyond it
const upstream = fc.integer({ min: 0, max: 1500 }).chain((n) => fc.tuple(
  fc.shuffledSubarray(Array.from({ length: n }, (_, i) => i + 1), { minLength: n, maxLength: n }),
  fc.uniqueArray(fc.integer({ min: 1, max: n + 300 }), { minLength: 1, maxLength: 120 })
))

t.test('property: never more than a full scan + 1, never more than per-id + 1 + the ids no page holds', async (t) => {
  await fc.assert(fc.asyncProperty(fc.constantFrom('listings' as const, 'reservations' as const), upstream, fc.integer({ min: 1, max: 8 }), fc.boolean(), async (kind, [order, wanted], concurrency, warm) => {
    const listed = new Set(order)
    const missing = wanted.filter((id) => !listed.has(id)).length
    const fullScan = Math.ceil(order.length / 100) + missing
    // a gateway that ran a plan before knows the count and what each page held
    const memo: ListingMemo = { count: undefined, pages: new Map() }
    if (warm && kind === 'listings') await run(kind, order, order.slice(0, 10), concurrency, memo)
    const calls = await run(kind, order, wanted, concurrency, memo)
    const ok = calls <= fullScan + 1 && calls <= wanted.length + 1 + missing && (missing > 0 || calls <= Math.min(wanted.length, fullScan) + 1)
    if (!ok) t.fail(`${kind}: ${calls} calls for ${wanted.length} ids (${missing} on no page), full scan ${fullScan}`)
    return ok
  }), { numRuns: 400 })
  t.pass('per-id + 1 when the list holds the ids; full scan + 1 always')
})

t.test('property: 100 random ids of a 5000-item list take the 50 pages; 100 of 2000 listings the 20 pages', async (t) => {
  const ids = (n: number) => fc.uniqueArray(fc.integer({ min: 1, max: n }), { minLength: 100, maxLength: 100 })
  const shuffled = (n: number) => fc.shuffledSubarray(Array.from({ length: n }, (_, i) => i + 1), { minLength: n, maxLength: n })
  await fc.assert(fc.asyncProperty(shuffled(5000), ids(5000), async (order, wanted) => await run('reservations', order, wanted, 8) <= 50), { numRuns: 30 })
  await fc.assert(fc.asyncProperty(ids(2000), async (wanted) => await run('listings', Array.from({ length: 2000 }, (_, i) => i + 1), wanted, 8) <= 20), { numRuns: 30 })
  t.pass('at most the whole list')
})

t.test('a batch whose ids are all on no page: a scan is paid for, then their GETs (full scan + 0)', async (t) => {
  const order = Array.from({ length: 250 }, (_, i) => i + 1)
  t.equal(await run('listings', order, [901, 902, 903, 904, 905, 906, 907, 908, 909, 910], 8), 13, 'three pages, ten GETs: the price of not knowing they are on no page')
  t.equal(await run('listings', order, [901, 902, 903], 8), 6, 'three ids: the probe, then two pages fewer than three GETs: in vain')
  t.equal(await run('listings', order, [901, 902], 8), 2, 'fewer than MIN_SCAN_IDS: per-id')
})
