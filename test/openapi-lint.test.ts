import { test } from 'tap'
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import Fastify from 'fastify'
import fp from 'fastify-plugin'
import App, { serverOptions } from '../app.js'
import { loadConfig } from '../services/config.js'
import { ownChild } from './fixtures/children.js'

// The OpenAPI document passes two linters with no error and no warning, in each shape it takes
// (API open, API keys set): Redocly CLI's `recommended` ruleset (redocly.yaml) and Spectral's
// `spectral:oas` (.spectral.yaml), both run offline from node_modules, as a user would run them.

const run = promisify(execFile)
const root = join(import.meta.dirname, '..')
const bin = (name: string) => join(root, 'node_modules', '.bin', name)
// no telemetry, no update check: the linters run offline
const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' }

async function documentOf (vars: Record<string, string>): Promise<unknown> {
  const config = loadConfig({ LOG_LEVEL: 'silent', HOSTAWAY_ACCOUNT_ID: 'doc', HOSTAWAY_API_KEY: 'doc-secret', ...vars })
  const app = Fastify(serverOptions(config, { logger: false }))
  await app.register(fp(App), { config })
  await app.ready()
  try {
    return (await app.inject('/openapi.json')).json()
  } finally {
    await app.close()
  }
}

interface Outcome { code: number, stdout: string, stderr: string }
async function lint (t: { teardown: (fn: () => unknown) => void }, args: string[]): Promise<Outcome> {
  const running = run(args[0], args.slice(1), { cwd: root, env, maxBuffer: 16 * 1024 * 1024 })
  ownChild(t, running.child)
  return await running.then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code?: number, stdout?: string, stderr?: string }) => ({ code: err.code ?? 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' })
  )
}

const shapes: Array<[string, Record<string, string>]> = [
  ['API open', {}],
  ['API keys set, webhook receiver on', { API_KEYS: 'k1, reader:read, scraper:metrics', HOSTAWAY_WEBHOOK_USER: 'hook', HOSTAWAY_WEBHOOK_PASSWORD: 'hook-secret' }]
]

// Each linter runs once over both documents (a start of Spectral costs seconds of CPU); each
// document's findings are told apart by the file they name.
test('the OpenAPI document, in each shape, lints clean: Redocly recommended and Spectral spectral:oas, 0 errors, 0 warnings', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'openapi-lint-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const files = await Promise.all(shapes.map(async ([, vars], i) => {
    const file = join(dir, `openapi-${i}.json`)
    await writeFile(file, JSON.stringify(await documentOf(vars), null, 2))
    return file
  }))

  const redocly = await lint(t, [bin('redocly'), 'lint', ...files, '--config', join(root, 'redocly.yaml'), '--format=json'])
  // one JSON report per file, in the order given, written one after another
  const json = redocly.stdout.slice(redocly.stdout.indexOf('{')).replace(/\}\s*\{(?=\s*"totals")/g, '},{')
  const reports = JSON.parse(`[${json}]`) as Array<{ totals: { errors: number, warnings: number }, problems: Array<{ ruleId: string, message: string }> }>
  t.equal(reports.length, files.length, 'redocly: a report for each document')
  t.equal(redocly.code, 0, 'redocly exits 0')

  const spectral = await lint(t, [bin('spectral'), 'lint', ...files, '--ruleset', join(root, '.spectral.yaml'), '--format', 'json', '--fail-severity', 'hint'])
  const results = JSON.parse(spectral.stdout.slice(spectral.stdout.indexOf('['), spectral.stdout.lastIndexOf(']') + 1)) as Array<{ code: string, message: string, path: string[], source: string }>
  t.equal(spectral.code, 0, 'spectral exits 0')

  shapes.forEach(([shape], i) => {
    const report = reports[i]
    t.same(report?.totals, { errors: 0, warnings: 0, ignored: 0 }, `redocly, ${shape}: ${report?.problems.map((p) => `${p.ruleId}: ${p.message}`).join('; ')}`)
    const found = results.filter((r) => r.source === files[i]).map((r) => `${r.code} at ${r.path.join('.')}: ${r.message}`)
    t.same(found, [], `spectral, ${shape}: no result of any severity`)
  })
  const strays = results.filter((r) => !files.includes(r.source))
  t.same(strays.map((r) => `${r.source}: ${r.code}`), [], 'spectral: no result outside the documents')
})
