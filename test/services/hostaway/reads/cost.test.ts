import t from 'tap'
import fc from 'fast-check'
import { choosePlan, price, wallMs, type Candidate, type RateBudget } from '../../../../services/hostaway/reads/cost.js'

const REAL: RateBudget = { free: 15, perWindow: 15, windowMs: 10_000 }

t.test('calls(S) = |S| + (U − ĥ(S)): per-id, the rest of the list, the next recent page', async (t) => {
  const priced = price({
    unresolved: 98,
    candidates: [{ kind: 'scan', pages: 49, hits: 98 }, { kind: 'walk', pages: 1, hits: 2, sequential: true }, { kind: 'known_pages', pages: 3, hits: 500 }],
    concurrency: 8,
    latencyMs: 100
  })
  t.same(priced.map((p) => [p.kind, p.pages, p.calls]), [['per_id', 0, 98], ['scan', 49, 49], ['walk', 1, 97], ['known_pages', 3, 3]], 'hits are capped at the ids left')
  t.equal(priced[0].wallMs, 13 * 100, 'no budget given: round trips only (98 GETs, 8 at once)')
  t.equal(priced[2].wallMs, (1 + 12) * 100, 'a walk page is one round trip of its own, then its 96 GETs 8 at once')
})

t.test('wall time at the budget: the calls past the free slots wait for later windows', async (t) => {
  t.equal(wallMs(10, 2, 100, REAL), 200, 'within the free slots: round trips only')
  t.equal(wallMs(16, 2, 100, REAL), 10_100, 'one call past: the next window')
  t.equal(wallMs(100, 13, 100, REAL), 6 * 10_000 + 100, '85 past the free 15: six more windows')
  t.equal(wallMs(100, 13, 100, { ...REAL, free: 0 }), 7 * 10_000 + 100)
  t.equal(wallMs(100, 13, 100), 1300)
})

t.test('the cheapest plan: fewest calls, then least wall time, then per-id', async (t) => {
  const scan = (pages: number, hits: number): Candidate => ({ kind: 'scan', pages, hits })
  t.equal(choosePlan({ unresolved: 98, candidates: [scan(49, 98)], concurrency: 8, latencyMs: 100, budget: REAL }).kind, 'scan', '49 pages against 98 GETs')
  t.equal(choosePlan({ unresolved: 3, candidates: [scan(3, 3)], concurrency: 8, latencyMs: 100 }).kind, 'per_id', '3 pages for 3 ids: as many calls, as fast: per-id is certain')
  t.equal(choosePlan({ unresolved: 4, candidates: [scan(4, 4)], concurrency: 1, latencyMs: 100 }).kind, 'per_id')
  // same calls, but the walk reads its page alone and then GETs: slower than the scan's pages at once
  const tie = choosePlan({ unresolved: 20, candidates: [{ kind: 'walk', pages: 1, hits: 10, sequential: true }, scan(11, 20)], concurrency: 8, latencyMs: 100 })
  t.same([tie.kind, tie.calls], ['scan', 11])
  t.equal(choosePlan({ unresolved: 0, candidates: [scan(5, 0)], concurrency: 8, latencyMs: 100 }).kind, 'per_id', 'nothing left: nothing to read')
})

t.test('property: the chosen plan is never dearer in calls than any plan priced, nor than per-id', async (t) => {
  const candidate = fc.record({
    kind: fc.constantFrom('scan' as const, 'known_pages' as const, 'walk' as const),
    pages: fc.integer({ min: 1, max: 100 }),
    hits: fc.integer({ min: 0, max: 200 }),
    sequential: fc.boolean()
  })
  const budget = fc.option(fc.record({ free: fc.integer({ min: 0, max: 20 }), perWindow: fc.integer({ min: 1, max: 20 }), windowMs: fc.integer({ min: 1, max: 20_000 }) }), { nil: undefined })
  fc.assert(fc.property(fc.integer({ min: 0, max: 300 }), fc.array(candidate, { maxLength: 4 }), fc.integer({ min: 1, max: 16 }), budget, (unresolved, candidates, concurrency, b) => {
    const inputs = { unresolved, candidates, concurrency, latencyMs: 50, budget: b }
    const chosen = choosePlan(inputs)
    const all = price(inputs)
    return chosen.calls <= unresolved && all.every((p) => chosen.calls < p.calls || (chosen.calls === p.calls && chosen.wallMs <= p.wallMs))
  }), { numRuns: 500 })
  t.pass('cheapest in calls, then in wall time')
})
