// npm run bench: every section in turn (or `-- --section NAME`, repeatable, for some of them), each
// ratio measured as alternating rounds of its sides (`--rounds N`, 5 by default) and reported as
// the median with min–max; the rounds are kept in the JSON. Writes bench/results/last-run.json
// (ignored by git) and prints a table; with --record (npm run bench:record, every section) also
// the committed bench/results/latest.json. The machine's cores and load average are recorded with it.
import { execFileSync } from 'node:child_process'
import { writeFileSync, mkdirSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { jobs } from './jobs.js'
import { memory } from './memory.js'
import { overload } from './overload.js'
import { realLimits } from './real-limits.js'
import { roundsArg } from './rounds.js'
import { redisWarm, scaleOut } from './scale-out.js'
import { batch, overhead } from './service.js'
import { printTable } from './table.js'
import { writes } from './writes.js'

const dir = import.meta.dirname

/** The sections, in the order a full run takes them. */
const SECTIONS = {
  batch: async () => await batch(),
  overhead: async (rounds: number) => await overhead(rounds),
  memory: async (rounds: number) => await memory(rounds),
  redis: async (rounds: number) => await redisWarm(rounds),
  scale_out: async (rounds: number) => await scaleOut(rounds),
  real_limits: async () => await realLimits(),
  writes: async () => await writes(),
  jobs: async () => await jobs(),
  overload: async () => await overload()
} satisfies Record<string, (rounds: number) => Promise<unknown>>
export type SectionName = keyof typeof SECTIONS

function chosen (argv: string[]): SectionName[] {
  const names = argv.flatMap((arg, i) => argv[i - 1] === '--section' ? arg.split(',') : [])
  for (const name of names) {
    if (!(name in SECTIONS)) throw new Error(`no section ${name}: one of ${Object.keys(SECTIONS).join(', ')}`)
  }
  return names.length === 0 ? Object.keys(SECTIONS) as SectionName[] : names as SectionName[]
}

const load = () => loadavg().map((l) => +l.toFixed(2))

async function main (): Promise<void> {
  const sections = chosen(process.argv)
  const rounds = roundsArg()
  const record = process.argv.includes('--record')
  if (record && sections.length !== Object.keys(SECTIONS).length) throw new Error('--record records a full run: leave out --section')
  const started = performance.now()
  const results: Record<string, unknown> = {
    machine: { cores: cpus().length, cpu: cpus()[0]?.model, load_average_at_start: load(), node: process.version },
    commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim(),
    rounds
  }
  for (const name of sections) {
    const t0 = performance.now()
    results[name] = await SECTIONS[name](rounds)
    console.error(`bench: ${name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s (load average ${load().join(' ')})`)
  }
  Object.assign(results.machine as object, { load_average_at_end: load() })
  results.duration_s = +((performance.now() - started) / 1000).toFixed(1)
  results.date = new Date().toISOString()

  mkdirSync(join(dir, 'results'), { recursive: true })
  // a run leaves the work tree clean; recording the committed figures is its own, explicit step
  writeFileSync(join(dir, 'results', 'last-run.json'), JSON.stringify(results, null, 2) + '\n')
  if (record) writeFileSync(join(dir, 'results', 'latest.json'), JSON.stringify(results, null, 2) + '\n')
  printTable(results)
}

await main()
