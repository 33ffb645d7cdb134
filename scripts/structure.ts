import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, normalize, relative, sep } from 'node:path'

/**
 * The structure rules of the repository (docs/architecture.md), checked from the sources so they
 * cannot rot: `npx tsx scripts/structure.ts` prints every breach, and test/structure.test.ts
 * fails on any. No file is parsed: relative import specifiers are read with a regular expression.
 */

/** Most lines a source file may have (sandbox/data.ts, the simulator's seed data, excepted). */
export const MAX_LINES = 250
const LONG_FILES_ALLOWED = new Set(['sandbox/data.ts'])
const SOURCE_DIRS = ['app.ts', 'server.ts', 'bench', 'lib', 'plugins', 'routes', 'sandbox', 'schemas', 'scripts', 'services', 'test']
const IMPORT = /(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g

export interface SourceFile {
  path: string
  lines: number
  imports: string[]
  /** how many times the file calls the gateway error's constructor with `new` */
  errorConstructions?: number
}

/** The one module that may call the GatewayError constructor: everything else uses its named constructors. */
export const ERROR_MODULE = 'services/errors.ts'
const ERROR_CONSTRUCTION = /new\s+GatewayError\s*\(/g

/** Not the project's sources: installed packages, and the SDKs the tests generate (git-ignored). */
const NOT_SOURCES = new Set(['node_modules', join('test', 'fixtures', 'generated')])

function walk (root: string, path: string, out: string[]): void {
  const full = join(root, path)
  if (NOT_SOURCES.has(path) || NOT_SOURCES.has(path.split(sep).pop() ?? '')) return
  if (statSync(full).isDirectory()) {
    for (const entry of readdirSync(full)) walk(root, join(path, entry), out)
  } else if (/\.(ts|mjs)$/.test(path) && !path.endsWith('.d.ts')) {
    out.push(path.split(sep).join('/'))
  }
}

/** Every source file of the repository: its line count and the repository paths it imports (.js → .ts). */
export function sources (root: string): SourceFile[] {
  const paths: string[] = []
  for (const dir of SOURCE_DIRS) walk(root, dir, paths)
  return paths.map((path) => {
    const text = readFileSync(join(root, path), 'utf8')
    const imports = [...text.matchAll(IMPORT)].map((m) => normalize(join(dirname(path), m[1])).split(sep).join('/').replace(/\.js$/, '.ts'))
    return { path, lines: text.split('\n').length - (text.endsWith('\n') ? 1 : 0), imports, errorConstructions: [...text.matchAll(ERROR_CONSTRUCTION)].length }
  })
}

const folderOf = (path: string) => path.includes('/') ? dirname(path) : '.'
const under = (path: string, folder: string) => path.startsWith(`${folder}/`)

/**
 * The folder loops: an import from folder A to folder B counts as an edge between the two
 * sibling folders that hold them below their common ancestor (so a file may import from a parent
 * or a child folder, the shared utilities one level up); a cycle of such edges is a loop.
 */
export function folderLoops (files: readonly SourceFile[]): string[][] {
  const edges = new Map<string, Set<string>>()
  for (const file of files) {
    for (const target of file.imports) {
      const a = folderOf(file.path).split('/')
      const b = folderOf(target).split('/')
      let common = 0
      while (common < a.length && common < b.length && a[common] === b[common]) common++
      if (common === a.length || common === b.length) continue
      const from = a.slice(0, common + 1).join('/')
      const to = b.slice(0, common + 1).join('/')
      if (a[0] === '.' || b[0] === '.') continue
      if (!edges.has(from)) edges.set(from, new Set())
      edges.get(from)?.add(to)
    }
  }
  const loops: string[][] = []
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const visit = (node: string): void => {
    state.set(node, 'open')
    stack.push(node)
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === 'open') loops.push([...stack.slice(stack.indexOf(next)), next])
      else if (state.get(next) === undefined) visit(next)
    }
    stack.pop()
    state.set(node, 'done')
  }
  for (const node of [...edges.keys()].sort()) if (state.get(node) === undefined) visit(node)
  return loops
}

/** Imports that break a layering rule: "file → import: rule". */
export function forbiddenImports (files: readonly SourceFile[]): string[] {
  const rules: Array<{ from: (p: string) => boolean, to: (p: string) => boolean, rule: string }> = [
    // a plugin's own test registers that plugin: test/plugins/ is the one place that may
    { from: (p) => ['routes', 'services'].some((d) => under(p, d)) || (under(p, 'test') && !under(p, 'test/plugins')), to: (p) => under(p, 'plugins'), rule: 'routes/, services/ and test/ do not import plugins/' },
    { from: (p) => under(p, 'sandbox'), to: (p) => under(p, 'services') || under(p, 'plugins'), rule: 'sandbox/ imports nothing from services/ or plugins/ (it is extractable)' },
    { from: (p) => under(p, 'schemas'), to: (p) => under(p, 'services') || under(p, 'sandbox') || under(p, 'plugins'), rule: 'schemas/ imports neither services/ nor sandbox/' },
    { from: (p) => under(p, 'lib'), to: (p) => !under(p, 'lib'), rule: 'lib/ imports nothing of the repository outside lib/' }
  ]
  const breaches: string[] = []
  for (const file of files) {
    for (const target of file.imports) {
      for (const { from, to, rule } of rules) if (from(file.path) && to(target)) breaches.push(`${file.path} → ${target}: ${rule}`)
    }
  }
  return breaches
}

/** Files outside ERROR_MODULE that call the GatewayError constructor (the rules of each kind of error live in its named constructors). */
export function strayErrorConstructions (files: readonly SourceFile[]): string[] {
  return files.filter((f) => f.path !== ERROR_MODULE && (f.errorConstructions ?? 0) > 0)
    .map((f) => `${f.path}: GatewayError constructed outside ${ERROR_MODULE} (use a named constructor)`)
}

/** Files over MAX_LINES lines. */
export function longFiles (files: readonly SourceFile[]): string[] {
  return files.filter((f) => f.lines > MAX_LINES && !LONG_FILES_ALLOWED.has(f.path)).map((f) => `${f.path}: ${f.lines} lines`)
}

if (process.argv[1] !== undefined && relative(process.argv[1], new URL(import.meta.url).pathname) === '') {
  const files = sources(join(dirname(new URL(import.meta.url).pathname), '..'))
  const problems = [...folderLoops(files).map((l) => `folder loop: ${l.join(' → ')}`), ...forbiddenImports(files), ...strayErrorConstructions(files), ...longFiles(files)]
  for (const problem of problems) process.stdout.write(`${problem}\n`)
  process.exitCode = problems.length === 0 ? 0 : 1
}
