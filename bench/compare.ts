// npx tsx bench/compare.ts REV_A [REV_B] [--rounds N] [--seconds S] [--redis] [--bare]
//
// Two revisions of the gateway side by side: each revision checked out in a temporary git worktree
// (reusing this node_modules through a symlink; `.` is this work tree as it is, the default for
// REV_B), one gateway of each on one sandbox (and, with --redis, each with its own redis-server),
// then warm load on each in turn (A B A B …, 10 cached listings per batch, 100 connections). Prints
// each side's req/s and the ratio B ÷ A: of the medians, and the median (min–max) of the per-round
// ratios. With --bare a third side in the same turns, the bare Fastify route of the overhead
// section serving A's answer: each revision's overhead_vs_bare (its req/s ÷ the bare route's, per
// round). Exit code 0; the figures are for a person to read.
import { execFileSync, fork, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { alternate, load, ratio, roundsArg, show } from './rounds.js'
import { startRedis } from './scale-out.js'
import { post, shortWindowEnv, shortWindowSandbox, spawnServer } from './servers.js'
import { WARM_BODY } from './service.js'

const ROOT = resolve(import.meta.dirname, '..')
const args = process.argv.slice(2)
const positional = args.filter((a, i) => !a.startsWith('--') && !(args[i - 1] ?? '').match(/^--(rounds|seconds)$/))
const [revA, revB = '.'] = positional
if (revA === undefined) {
  console.error('usage: npx tsx bench/compare.ts REV_A [REV_B] [--rounds N] [--seconds S] [--redis] [--bare]')
  process.exit(2)
}
const seconds = args.includes('--seconds') ? Number(args[args.indexOf('--seconds') + 1]) : 4
const withRedis = args.includes('--redis')
const withBare = args.includes('--bare')

const teardowns: Array<() => unknown> = []
const scope = { teardown: (fn: () => unknown) => { teardowns.push(fn) } }

/** A work tree of `rev` (or this one for `.`), with this node_modules. */
function checkout (rev: string): { dir: string, commit: string } {
  if (rev === '.') return { dir: ROOT, commit: `${execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim()} + work tree` }
  const commit = execFileSync('git', ['rev-parse', '--short', rev], { cwd: ROOT, encoding: 'utf8' }).trim()
  const dir = join(mkdtempSync(join(tmpdir(), 'hgw-compare-')), commit)
  execFileSync('git', ['worktree', 'add', '--detach', dir, commit], { cwd: ROOT, stdio: 'ignore' })
  teardowns.push(() => {
    execFileSync('git', ['worktree', 'remove', '--force', dir], { cwd: ROOT, stdio: 'ignore' })
    rmSync(resolve(dir, '..'), { recursive: true, force: true })
  })
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'))
  return { dir, commit }
}

/** The revision's own bench/gateway.ts (its IPC: `{ ready, port }`, then `{ cmd: 'close' }`). */
function gateway (dir: string, env: Record<string, string>): Promise<{ port: number, proc: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const proc = fork(join(dir, 'bench', 'gateway.ts'), ['gateway'], {
      cwd: dir,
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, FASTIFY_AUTOLOAD_TYPESCRIPT: '1', ...env },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc']
    })
    teardowns.push(() => new Promise<void>((resolve) => {
      if (proc.exitCode !== null) return resolve()
      proc.once('exit', () => resolve())
      proc.send({ cmd: 'close' })
    }))
    proc.once('exit', (code) => reject(new Error(`gateway of ${dir} exited early with ${code}`)))
    proc.on('message', (m: { ready?: boolean, port?: number }) => {
      if (m.ready !== true) return
      proc.removeAllListeners('exit')
      resolve({ port: m.port as number, proc })
    })
  })
}

try {
  const a = checkout(revA)
  const b = checkout(revB)
  const sb = await shortWindowSandbox()
  teardowns.push(() => sb.close())
  const env = async () => shortWindowEnv(sb, withRedis ? { REDIS_URL: (await startRedis(scope)).url } : {})
  const gws = { a: await gateway(a.dir, await env()), b: await gateway(b.dir, await env()) }
  const answers: string[] = []
  for (const g of Object.values(gws)) {
    await fetch(`http://127.0.0.1:${g.port}/ready`)
    answers.push((await post(g.port, '/api/batch/listings', JSON.parse(WARM_BODY))).text)
  }
  const rounds = roundsArg()
  const side = (port: number, path = '/api/batch/listings') => async () => (await load(`http://127.0.0.1:${port}${path}`, WARM_BODY, 100, seconds)).rps
  const sides: Record<string, () => Promise<number>> = { a: side(gws.a.port), b: side(gws.b.port) }
  if (withBare) {
    if (answers[0] !== answers[1]) console.error('note: the two revisions answer differently; the bare route serves A\'s answer')
    const bare = await spawnServer('bare', { BENCH_PAYLOAD: answers[0] })
    teardowns.push(() => bare.close())
    sides.bare = side(bare.port, '/bare')
  }
  const run = await alternate(rounds, sides)
  const perRound = ratio(run, 'b', 'a')
  const vsBare = withBare ? { a: ratio(run, 'a', 'bare'), b: ratio(run, 'b', 'bare') } : undefined
  console.log(JSON.stringify({ a: a.commit, b: b.commit, redis: withRedis, rounds: run.rounds, per_round_ratio: perRound, overhead_vs_bare: vsBare }, null, 2))
  console.log(`A ${a.commit}: ${show(run.sides.a)} req/s`)
  console.log(`B ${b.commit}: ${show(run.sides.b)} req/s`)
  if (withBare) console.log(`bare route: ${show(run.sides.bare)} req/s`)
  console.log(`B ÷ A: ${(run.sides.b.median / run.sides.a.median).toFixed(3)} (ratio of the medians); per round ${show(perRound)}; ${rounds} rounds of ${seconds} s${withRedis ? ', REDIS_URL' : ''}`)
  if (vsBare !== undefined) console.log(`overhead_vs_bare (per round): A ${show(vsBare.a)}, B ${show(vsBare.b)}`)
} finally {
  for (const fn of teardowns.reverse()) await fn()
}
