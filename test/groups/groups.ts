// The suite runs its test files in groups: each group is one test process that runs its files one
// after another, so that a process starts (tap's coverage, the TypeScript loader, the app's modules
// and its compiled schemas: about 4 s of CPU) once per group instead of once per file.
// `npm test -- test/x.test.ts` still runs one file in its own process.
import { readdirSync } from 'node:fs'
import { join, sep } from 'node:path'
import { pathToFileURL } from 'node:url'
import t from 'tap'

export const ROOT = join(import.meta.dirname, '..', '..')

/**
 * Files that run in their own process, listed in package.json's tap.include beside the groups:
 * what they check is the process itself (the modules it loaded, its children after it dies).
 */
export const ALONE = [
  'test/children.test.ts',
  'test/lazy-modules.test.ts'
]

/**
 * Each group's files: `test/x/*` the test files directly in test/x, `test/x/**` those under it at
 * any depth, or a file (`*` in its name matches any text). A file is in the first group that names
 * it, and in none when it runs alone: every test file is in exactly one (test/groups.test.ts).
 * tap starts its files in the order of their names, 3 at a time on these 2 cores, and the number
 * in a group's name sets that order: the four that mostly wait (on the shutdown grace, child
 * servers, Redis: 01, 04, 06, 09) each between groups that keep the cores busy, so that the three
 * running at any time are seldom all waiting (they were, for half a minute, when three of them ran
 * together), and short groups at the end.
 */
export const GROUPS: Record<string, string[]> = {
  '01-reliability-shutdown': ['test/reliability/shutdown.test.ts', 'test/reliability/jobs-shutdown.test.ts', 'test/reliability/server.test.ts'],
  '02-mcp': ['test/mcp/*', 'test/services/mcp/*'],
  // before 03-top, whose test/* would take it
  '04-docs': ['test/docs-examples.test.ts'],
  '03-top': ['test/*'],
  '05-reliability': ['test/reliability/*'],
  '06-redis-jobs': ['test/redis/jobs*.test.ts', 'test/redis/resume.test.ts'],
  '07-setup': ['test/config/*', 'test/lib/*', 'test/schemas/*', 'test/plugins/*'],
  '08-api': ['test/routes/api/*'],
  '09-redis': ['test/redis/*'],
  '10-routes': ['test/routes/*', 'test/overload/*'],
  '11-hostaway': ['test/services/hostaway/**'],
  '12-sandbox': ['test/sandbox/*'],
  '13-services': ['test/services/*', 'test/services/batch/*', 'test/services/writes/*', 'test/services/limiter/*']
}

/** Every test file of the suite, relative to the root with `/`, sorted; the groups' own files aside. */
export function testFiles (): string[] {
  return (readdirSync(join(ROOT, 'test'), { recursive: true }) as string[])
    .map((f) => `test/${f.split(sep).join('/')}`)
    .filter((f) => f.endsWith('.test.ts') && !f.startsWith('test/groups/'))
    .sort()
}

function matches (file: string, pattern: string): boolean {
  const dir = file.slice(0, file.lastIndexOf('/'))
  if (pattern.endsWith('/**')) return dir === pattern.slice(0, -3) || dir.startsWith(pattern.slice(0, -2))
  if (pattern.endsWith('/*')) return dir === pattern.slice(0, -2)
  return new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}$`).test(file)
}

/** The group `file` is in: the first whose patterns match it; undefined when it runs alone. */
export function groupOf (file: string): string | undefined {
  if (ALONE.includes(file)) return undefined
  return Object.keys(GROUPS).find((name) => GROUPS[name].some((pattern) => matches(file, pattern)))
}

/** The files of group `name`, in order. */
export function groupFiles (name: string, files = testFiles()): string[] {
  if (GROUPS[name] === undefined) throw new Error(`no test group ${name}`)
  return files.filter((f) => groupOf(f) === name)
}

/**
 * Run the group's files in this process, one after another: each file is imported in a subtest of
 * its own name, and its tests (tap's root tests) are queued after it, so a file's top-level code
 * starts when every test of the file before has ended. What a file tears down at its top level
 * (`t.teardown` on the root) is torn down when the group's process ends.
 */
export async function runGroup (name: string): Promise<void> {
  for (const file of groupFiles(name)) {
    await t.test(file, async (t) => {
      await import(pathToFileURL(join(ROOT, file)).href)
      t.pass(`${file} loaded`)
    })
  }
}
