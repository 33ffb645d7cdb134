// No test file drops out of `npm test`: tap runs package.json's tap.include, which is the groups'
// entry files and the files that run alone (test/groups/groups.ts).
import { test } from 'tap'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ALONE, GROUPS, ROOT, groupFiles, groupOf, testFiles } from './groups/groups.js'

test('every test file is in one group or runs alone, and every group has files', async (t) => {
  const files = testFiles()
  t.ok(files.length > 100, `${files.length} test files found`)
  t.same(files.filter((f) => groupOf(f) === undefined && !ALONE.includes(f)), [], 'no file left out')
  t.same(ALONE.filter((f) => !files.includes(f)), [], 'ALONE names test files that exist')
  for (const name of Object.keys(GROUPS)) t.ok(groupFiles(name, files).length > 0, `group ${name} has files`)
  t.equal(Object.keys(GROUPS).reduce((n, name) => n + groupFiles(name, files).length, 0) + ALONE.length, files.length, 'each file once')
})

test("tap runs each group's entry file and the files that run alone, nothing else", async (t) => {
  const entries = readdirSync(join(ROOT, 'test', 'groups')).filter((f) => f.endsWith('.test.ts')).sort()
  t.same(entries, Object.keys(GROUPS).map((name) => `${name}.test.ts`).sort(), 'one entry file per group')
  for (const entry of entries) {
    const name = entry.slice(0, -'.test.ts'.length)
    t.match(readFileSync(join(ROOT, 'test', 'groups', entry), 'utf8'), `await runGroup('${name}')`, `${entry} runs its group`)
  }
  const { tap } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { tap: { include: string[] } }
  t.same(tap.include, ['test/groups/*.test.ts', ...ALONE])
})

test('a pattern takes the files directly in a folder (/*), at any depth (/**), or by name; the first group that matches has the file', async (t) => {
  const files = ['test/a.test.ts', 'test/x/b.test.ts', 'test/x/bb.test.ts', 'test/x/y/c.test.ts', 'test/xy/d.test.ts', 'test/children.test.ts']
  const saved = { ...GROUPS }
  t.teardown(() => { for (const k of Object.keys(GROUPS)) delete GROUPS[k]; Object.assign(GROUPS, saved) })
  for (const k of Object.keys(GROUPS)) delete GROUPS[k]
  Object.assign(GROUPS, { named: ['test/x/b*.test.ts'], direct: ['test/x/*'], deep: ['test/x/**'], top: ['test/*'], none: ['test/z/*'] })
  t.same(groupFiles('named', files), ['test/x/b.test.ts', 'test/x/bb.test.ts'])
  t.same(groupFiles('direct', files), [], 'taken by the group before')
  t.same(groupFiles('deep', files), ['test/x/y/c.test.ts'])
  t.same(groupFiles('top', files), ['test/a.test.ts'], 'a file of ALONE is in no group')
  t.same(groupOf('test/xy/d.test.ts'), undefined, 'test/x/** is not test/xy')
  t.throws(() => groupFiles('nope', files), /no test group nope/)
  t.ok(existsSync(join(ROOT, 'package.json')), 'ROOT is the repository')
})
