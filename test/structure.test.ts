// The structure rules (docs/architecture.md), checked on the sources: no folder loop, the layering
// rules of imports, and no file over MAX_LINES lines. KNOWN_LONG lists the files still to split (each
// must still be too long, so the list only shrinks), and a long file may not grow past its count.
import { test } from 'tap'
import { join } from 'node:path'
import { ERROR_MODULE, MAX_LINES, folderLoops, forbiddenImports, longFiles, sources, strayErrorConstructions, type SourceFile } from '../scripts/structure.js'

const files = sources(join(import.meta.dirname, '..'))

/** Files still over MAX_LINES, with the most lines each may have until it is split. */
const KNOWN_LONG: Record<string, number> = {}

test('no folder loop', async (t) => {
  t.same(folderLoops(files).map((l) => l.join(' → ')), [])
})

test('imports keep the layering rules', async (t) => {
  t.same(forbiddenImports(files), [])
})

test('the GatewayError constructor is called only in the error module (elsewhere: its named constructors)', async (t) => {
  t.same(strayErrorConstructions(files), [])
  t.ok((files.find((f) => f.path === ERROR_MODULE)?.errorConstructions ?? 0) > 0, 'the check sees the constructions it allows')
})

test(`no file over ${MAX_LINES} lines (sandbox/data.ts aside), and no known long file grows`, async (t) => {
  const long = longFiles(files).map((line) => line.split(':')[0])
  t.same(long, Object.keys(KNOWN_LONG).sort(), 'only the known long files')
  for (const file of files) if (KNOWN_LONG[file.path] !== undefined) t.ok(file.lines <= KNOWN_LONG[file.path], `${file.path}: ${file.lines} ≤ ${KNOWN_LONG[file.path]}`)
})

test('the checks find what they look for', async (t) => {
  const file = (path: string, imports: string[], lines = 10): SourceFile => ({ path, imports, lines })
  t.same(folderLoops([file('services/a/x.ts', ['services/b/y.ts']), file('services/b/y.ts', ['services/a/z.ts'])]).map((l) => l.join(' → ')), ['services/a → services/b → services/a'])
  t.same(folderLoops([file('services/a/x.ts', ['services/y.ts']), file('services/y.ts', ['services/a/z.ts'])]), [], 'a parent and a child folder may import each other')
  t.same(forbiddenImports([file('routes/a.ts', ['plugins/app/x.ts']), file('test/plugins/x.test.ts', ['plugins/app/x.ts'])]).length, 1, 'a plugin\'s own test may import it')
  t.same(forbiddenImports([file('sandbox/a.ts', ['services/x.ts']), file('schemas/a.ts', ['sandbox/x.ts']), file('lib/a.ts', ['schemas/x.ts']), file('lib/b.ts', ['lib/c.ts'])]).length, 3)
  t.same(strayErrorConstructions([{ ...file('services/a.ts', []), errorConstructions: 1 }, { ...file(ERROR_MODULE, []), errorConstructions: 3 }]), [`services/a.ts: GatewayError constructed outside ${ERROR_MODULE} (use a named constructor)`])
  t.same(longFiles([file('services/a.ts', [], MAX_LINES + 1), file('sandbox/data.ts', [], 999), file('services/b.ts', [], MAX_LINES)]), [`services/a.ts: ${MAX_LINES + 1} lines`])
})
