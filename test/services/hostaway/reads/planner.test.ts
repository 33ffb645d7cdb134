import t from 'tap'
import fc from 'fast-check'
import { MIN_SCAN_IDS, credit, listingPagesToRead, readNextReservationPage } from '../../../../services/hostaway/reads/planner.js'

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)
const listing = (over: Partial<Parameters<typeof listingPagesToRead>[0]> = {}) =>
  listingPagesToRead({ wanted: range(1, 10), spent: 0, resolved: 0, count: undefined, pageSize: 100, read: new Set(), index: new Map(), ...over })

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

t.test('listings with a known count: pages only while fewer than the ids left, within the credit', async (t) => {
  t.same(listing({ count: 150, wanted: range(1, 2), spent: 1, resolved: 5, read: new Set([1]) }), [0], 'after a start, two ids may still take one page')
  t.same(listing({ count: 250, wanted: range(1, 3) }), [], '3 pages for 3 ids: per-id is as cheap and certain')
  t.same(listing({ count: 250, wanted: range(1, 4) }), [0], 'first page alone: credit 1')
  t.same(listing({ count: 250, wanted: range(1, 90), spent: 1, resolved: 10, read: new Set([0]) }), [1, 2], 'then the rest at once')
  t.same(listing({ count: 250, wanted: range(1, 90), spent: 1, resolved: 1, read: new Set([0]) }), [1], 'as far as the credit goes')
  t.same(listing({ count: 250, wanted: range(1, 90), spent: 1, resolved: 0, read: new Set([0]) }), [], 'a page that resolved nothing ends the scan')
})

t.test('listings: the page index ranks pages and skips those known to hold none of the ids', async (t) => {
  const index = new Map([[0, new Set(range(1, 100))], [1, new Set(range(101, 200))]])
  t.same(listing({ count: 300, wanted: [150, 160, 170, 180], index }), [1], 'the page known to hold them first')
  t.same(listing({ count: 300, wanted: [150, 160, 170, 180], index, spent: 1, resolved: 2, read: new Set([1]) }), [2], 'page 0 skipped; page 2 never read')
  t.same(listing({ count: 200, wanted: [998, 999, 997], index }), [], 'every page known, none holds them: by id')
})

t.test('property: a plan that follows the rule never reads more pages than ids it resolved + 1', async (t) => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 1200 }),
    fc.uniqueArray(fc.integer({ min: 1, max: 2000 }), { minLength: 1, maxLength: 100 }),
    fc.integer({ min: 0, max: 2 ** 31 }),
    (count, wanted, seed) => {
      // pages hold ids 1..count in order, except a few the list omits (seeded)
      const omitted = (id: number) => (id * 2654435761 + seed) % 7 === 0
      const pageOf = (id: number) => Math.floor((id - 1) / 100)
      const read = new Set<number>()
      let open = [...wanted]
      let spent = 0
      let resolved = 0
      for (let guard = 0; guard < 100; guard++) {
        const pages = listingPagesToRead({ wanted: open, spent, resolved, count, pageSize: 100, read, index: new Map() })
        if (pages.length === 0) break
        spent += pages.length
        for (const p of pages) read.add(p)
        const hit = open.filter((id) => id <= count && !omitted(id) && read.has(pageOf(id)))
        resolved += hit.length
        open = open.filter((id) => !hit.includes(id))
      }
      const calls = spent + open.length
      return spent <= resolved + 1 && calls <= wanted.length + 1
    }
  ), { numRuns: 300 })
  t.pass('never more than per-id + 1')
})

t.test('reservations: the walk goes on while pages pay; stops at the end or when a page resolves too few', async (t) => {
  const next = (over: Partial<Parameters<typeof readNextReservationPage>[0]>) =>
    readNextReservationPage({ unresolved: 50, spent: 0, resolved: 0, pageSize: 100, ...over })
  t.equal(next({}), true, 'first page for 50 ids')
  t.equal(next({ unresolved: 2 }), false, 'two ids: per-id')
  t.equal(next({ spent: 1, resolved: 40, last: { resolved: 40, length: 100 } }), true)
  t.equal(next({ spent: 1, resolved: 1, last: { resolved: 1, length: 100 } }), false, 'one per page does not beat a GET')
  t.equal(next({ spent: 1, resolved: 40, last: { resolved: 40, length: 60 } }), false, 'a short page ends the list')
  t.equal(next({ unresolved: 2, spent: 1, resolved: 40, last: { resolved: 40, length: 100 } }), false, 'two ids left: by id')
  t.equal(next({ spent: 3, resolved: 2, last: { resolved: 2, length: 100 } }), false, 'out of credit')
  t.equal(next({ spent: 1, resolved: 0 }), false, 'no page answered (it failed): stop')
})
