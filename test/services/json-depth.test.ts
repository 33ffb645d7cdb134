import t from 'tap'
import fc from 'fast-check'
import { textDeeperThan, valueDeeperThan } from '../../services/json-depth.js'

/** The depth by recursion (the reference; fine for the small values generated here). */
const depth = (v: unknown): number => typeof v !== 'object' || v === null ? 0 : 1 + Math.max(0, ...Object.values(v).map(depth))

t.test('text and value agree with the depth of any JSON value, at every limit', async (t) => {
  fc.assert(fc.property(fc.jsonValue({ maxDepth: 6 }), fc.integer({ min: 0, max: 8 }), (value, max) => {
    const text = JSON.stringify(value)
    const expected = depth(value) > max
    return textDeeperThan(text, max) === expected && valueDeeperThan(value, max) === expected
  }), { numRuns: 500 })
})

t.test('brackets inside strings, escaped quotes and backslashes do not count', async (t) => {
  t.notOk(textDeeperThan('{"a":"[[[{{{","b":"\\"[[[","c":"\\\\"}', 1))
  t.ok(textDeeperThan('{"a":"\\\\","b":[1]}', 1), 'an escaped backslash ends the string before the array')
  t.notOk(textDeeperThan('1', 0))
  t.ok(textDeeperThan('[]', 0))
})

t.test('deep values are judged without recursion', async (t) => {
  const levels = 200_000
  t.ok(textDeeperThan(`${'['.repeat(levels)}${']'.repeat(levels)}`, 64))
  let deep: unknown = 1
  for (let i = 0; i < levels; i++) deep = [deep]
  t.ok(valueDeeperThan(deep, 64))
  t.notOk(valueDeeperThan(deep, levels))
})
