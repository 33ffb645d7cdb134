import { test } from 'tap'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { ROOT, run, serve } from './mcp/helper.js'

// The README is a front page a newcomer reads in minutes, every link of it and of docs/ leads
// somewhere, and its commands do what it shows when run as written against a started gateway.

const README = join(ROOT, 'README.md')
const DOCS = [README, ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join(ROOT, 'docs', f)), join(ROOT, 'sandbox', 'README.md')]

/** GitHub's anchor of a heading. */
const slug = (heading: string) => heading.trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-')
const anchorsOf = (file: string) => new Set(readFileSync(file, 'utf8').split('\n').filter((l) => /^#{1,6} /.test(l)).map((l) => slug(l.replace(/^#+ /, ''))))

/** The fenced blocks of a markdown text, in order. */
const blocks = (text: string) => [...text.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], body: m[2].trimEnd() }))

test('the README is a front page: under 250 lines, with prerequisites, the two commands and the seed scenario', async (t) => {
  const readme = readFileSync(README, 'utf8')
  const lines = readme.split('\n').length
  t.ok(lines < 250, `${lines} lines`)
  t.match(readme, /## Prerequisites[\s\S]*Node\.js 20\.19[\s\S]*redis-server/)
  const found = blocks(readme)
  t.ok(found.some((b) => b.body === 'npm ci && npm start'), 'install and run')
  t.ok(found.some((b) => b.body === 'npm ci && npm test'), 'install and test')
  const start = readme.indexOf('npm ci && npm start')
  const other = readme.indexOf('in another terminal')
  t.ok(start < other && other < readme.indexOf('npm ci && npm test'), '"in another terminal" follows the start command, not the test command')
})

test('every relative link of the README and docs/ resolves, anchors included', async (t) => {
  for (const file of DOCS) {
    const text = readFileSync(file, 'utf8')
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target)) continue
      const [path, anchor] = target.split('#')
      const resolved = path === '' ? file : join(dirname(file), path)
      const where = `${relative(ROOT, file)} → ${target}`
      if (!existsSync(resolved)) {
        t.fail(`${where}: no such file`)
        continue
      }
      if (anchor !== undefined && resolved.endsWith('.md')) t.ok(anchorsOf(resolved).has(anchor), where)
    }
  }
})

test('the README\'s commands run as written against a started gateway and answer what it shows', async (t) => {
  const readme = readFileSync(README, 'utf8')
  const { url } = await serve(t)
  const here = (command: string) => command.replace(/(?:localhost|127\.0\.0\.1):3000/g, url.host)
  const found = blocks(readme)

  // the quick start's checks, "in another terminal"
  const checks = found.find((b) => b.lang === 'sh' && b.body.startsWith('curl -s localhost:3000/health'))
  t.ok(checks, 'the quick start\'s curl checks')
  const [health, listing, batch] = await Promise.all((checks?.body.split('\n') ?? []).map(async (line) => {
    const { code, out } = await run(t, 'bash', ['-c', here(line)])
    t.equal(code, 0, line)
    return JSON.parse(out) as Record<string, unknown>
  }))
  t.match(health, { status: 'ok', upstream: 'hostaway' })
  t.match(listing, { id: 1, name: 'Cozy villa with balcony in Campo de’ Fiori' })
  t.match(batch, { total_count: 4, success_count: 3, failure_count: 1 })

  // the seed scenario: its curl, then the answer it shows ("…" stands for what is left out)
  const seed = found.findIndex((b) => b.lang === 'sh' && b.body.includes('"ids":[1,2,999999,4]') && b.body.includes('\\\n'))
  t.ok(seed >= 0, 'the seed scenario\'s curl')
  t.equal(found[seed + 1]?.lang, 'json', 'followed by its answer')
  // on a fresh gateway, as the README says: the quick start's batch above put these ids in the cache (attempts: 0)
  const fresh = await serve(t)
  const { code, out } = await run(t, 'bash', ['-c', found[seed].body.replace(/(?:localhost|127\.0\.0\.1):3000/g, fresh.url.host)])
  t.equal(code, 0)
  const shown = JSON.parse(found[seed + 1].body) as unknown
  /** The paths where the answer differs from what is shown, every shown value compared ("…" keys skipped). */
  const differences = (expected: unknown, actual: unknown, path: string): string[] => {
    if (expected === null || typeof expected !== 'object') return Object.is(expected, actual) ? [] : [`${path}: shown ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`]
    if (actual === null || typeof actual !== 'object') return [`${path}: shown an object, got ${JSON.stringify(actual)}`]
    const lengths = Array.isArray(expected) && (!Array.isArray(actual) || actual.length !== expected.length) ? [`${path}: length differs`] : []
    return [...lengths, ...Object.entries(expected).filter(([key]) => key !== '…')
      .flatMap(([key, value]) => differences(value, (actual as Record<string, unknown>)[key], `${path}.${key}`))]
  }
  t.same(differences(shown, JSON.parse(out), ''), [], 'the answer the README shows')
})
