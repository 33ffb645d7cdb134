import t from 'tap'
import fc from 'fast-check'
import { createFairQueue, type Turn } from '../../../services/limiter/fair-queue.js'
import type { Lane } from '../../../services/limiter/types.js'

// The order of the rate limiter's waiters (no clock, no budget): token requests first, callers in
// fair turns, a caller's single-item requests before its batch items.

interface W extends Turn { name: string }

const w = (name: string, share: string, lane: Lane = 'batch', priority = false): W => ({ name, share, lane, priority })

function drainAll (q: ReturnType<typeof createFairQueue<W>>): string[] {
  const served: string[] = []
  for (let next = q.shift(); next !== undefined; next = q.shift()) served.push(next.name)
  return served
}

t.test('callers take turns, however many waiters each has', async (t) => {
  const q = createFairQueue<W>({ weightOf: () => 1 })
  for (let i = 1; i <= 6; i++) q.push(w(`a${i}`, 'A'))
  for (let i = 1; i <= 3; i++) q.push(w(`b${i}`, 'B'))
  t.equal(q.size(), 9)
  t.equal(q.callers(), 2)
  t.same(drainAll(q), ['a1', 'b1', 'a2', 'b2', 'a3', 'b3', 'a4', 'a5', 'a6'], 'A came first; then one turn each while both wait')
  t.equal(q.size(), 0)
  t.equal(q.callers(), 0, 'nothing kept once empty')
})

t.test('token requests first; within a caller, single-item requests before its batch items', async (t) => {
  const q = createFairQueue<W>({ weightOf: () => 1 })
  q.push(w('a-batch-1', 'A'))
  q.push(w('a-batch-2', 'A'))
  q.push(w('b-single-1', 'B', 'single'))
  q.push(w('a-single-1', 'A', 'single'))
  q.push(w('token', 'anyone', 'single', true))
  q.push(w('a-single-2', 'A', 'single'))
  t.same(drainAll(q), ['token', 'a-single-1', 'b-single-1', 'a-single-2', 'a-batch-1', 'a-batch-2'])
})

t.test('weights: a caller of weight 3 gets three turns for each turn of a caller of weight 1', async (t) => {
  const q = createFairQueue<W>({ weightOf: (caller) => caller === 'heavy' ? 3 : 1 })
  for (let i = 1; i <= 9; i++) q.push(w(`h${i}`, 'heavy'))
  for (let i = 1; i <= 3; i++) q.push(w(`l${i}`, 'light'))
  const served = drainAll(q)
  // in every run of 4 turns while both wait, 3 are heavy's
  for (let i = 0; i < 12; i += 4) {
    const run = served.slice(i, i + 4)
    t.equal(run.filter((name) => name.startsWith('h')).length, 3, `turns ${i}–${i + 3}: ${run.join(' ')}`)
  }
})

t.test('a caller that just had its turn cannot cut in again by coming back at once', async (t) => {
  const q = createFairQueue<W>({ weightOf: () => 1 })
  q.push(w('a1', 'A'))
  q.push(w('a2', 'A'))
  q.push(w('b1', 'B', 'single'))
  t.equal(q.shift()?.name, 'a1')
  t.equal(q.shift()?.name, 'b1')
  q.push(w('b2', 'B', 'single')) // B's flow was idle for no time at all
  t.equal(q.positionOf(w('?', 'B', 'single')), 2, 'a third B request would come after a2 and b2')
  t.same(drainAll(q), ['a2', 'b2'], 'A, whose turn it is, goes before B again')
})

t.test('turns are kept for a declared backlog while the caller has nobody waiting, and skipped when nobody comes', async (t) => {
  const q = createFairQueue<W>({ weightOf: () => 1 })
  let left = 3
  q.push({ ...w('a1', 'A'), backlog: () => left })
  t.equal(q.shift()?.name, 'a1', 'A\'s item is in flight; three more will come')
  q.push(w('b1', 'B', 'single'))
  q.push(w('b2', 'B', 'single'))
  t.same(q.placed().map((p) => p.w?.name ?? `kept:${p.share}`), ['b1', 'kept:A', 'b2', 'kept:A', 'kept:A'], 'B\'s second turn comes after a turn kept for A')
  t.equal(q.positionOf(w('?', 'B', 'single')), 4, 'a third B request would come after two of A\'s kept turns')
  left = 2 // the batch starts its next item
  q.push(w('a2', 'A'))
  t.same(q.placed().map((p) => p.w?.name ?? `kept:${p.share}`), ['b1', 'a2', 'b2', 'kept:A', 'kept:A'], 'A\'s item took its kept turn: nobody moved back')
  t.same(drainAll(q), ['b1', 'a2', 'b2'])
  left = 0
  t.equal(q.callers(), 0, 'no backlog, nobody waiting: nothing kept')
})

t.test('remove takes a waiter out wherever it is; clear empties everything', async (t) => {
  const q = createFairQueue<W>({ weightOf: () => 1 })
  const waiters = [w('a1', 'A'), w('a2', 'A', 'single'), w('b1', 'B'), w('p', 'x', 'single', true)]
  for (const x of waiters) q.push(x)
  t.ok(q.remove(waiters[1]))
  t.notOk(q.remove(waiters[1]), 'not queued any more')
  t.ok(q.remove(waiters[3]))
  t.equal(q.size(), 2)
  t.same(q.ordered().map((x) => x.name), ['a1', 'b1'])
  t.same(q.clear().map((x) => x.name).sort(), ['a1', 'b1'])
  t.equal(q.size(), 0)
  t.equal(q.shift(), undefined)
})

// The limiter predicts each waiter's start from its place: positionOf must be exactly where a push lands.
t.test('property: positionOf is where a pushed waiter lands among all turns (at its fair turn or later, backlogs kept), and shift serves the first waiter', async (t) => {
  const push = fc.record({
    kind: fc.constant('push' as const),
    caller: fc.constantFrom('A', 'B', 'C', 'D'),
    lane: fc.constantFrom<Lane>('single', 'batch'),
    priority: fc.oneof({ arbitrary: fc.constant(false), weight: 6 }, { arbitrary: fc.constant(true), weight: 1 }),
    // the new turn placed later than its fair time (admission keeping others in time), in virtual time units
    later: fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.integer({ min: 1, max: 4 * 720_720 }), weight: 1 }),
    // work of this caller still to come (turns kept for it)
    declares: fc.boolean()
  })
  const op = fc.oneof(
    { arbitrary: push, weight: 4 },
    { arbitrary: fc.record({ kind: fc.constant('shift' as const) }), weight: 2 },
    { arbitrary: fc.record({ kind: fc.constant('remove' as const), at: fc.nat() }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('backlog' as const), caller: fc.constantFrom('A', 'B', 'C', 'D'), left: fc.nat({ max: 4 }) }), weight: 1 }
  )
  // caller A's weight is 2 or 3: turns of different spacing interleave
  fc.assert(fc.property(fc.array(op, { maxLength: 60 }), fc.constantFrom(2, 3), (ops, heavy) => {
    const q = createFairQueue<W>({ weightOf: (caller) => caller === 'A' ? heavy : 1 })
    const left: Record<string, number> = { A: 0, B: 0, C: 0, D: 0 }
    let n = 0
    for (const o of ops) {
      if (o.kind === 'backlog') {
        left[o.caller] = o.left
      } else if (o.kind === 'push') {
        const x: W = { ...w(`w${n++}`, o.caller, o.lane, o.priority), ...(o.declares ? { backlog: () => left[o.caller] } : {}) }
        const at = q.fairTurn(x) + o.later
        const predicted = q.positionOf(x, at)
        q.push(x, at)
        if (q.placed().findIndex((p) => p.w === x) !== predicted) return false
      } else if (o.kind === 'shift') {
        const first = q.ordered()[0]
        if (q.shift() !== first) return false
      } else {
        const all = q.ordered()
        if (all.length > 0 && !q.remove(all[o.at % all.length])) return false
      }
      if (q.ordered().length !== q.size()) return false
    }
    return true
  }), { numRuns: 500 })
  t.pass('500 random sequences of pushes, shifts and removals')
})
