// Figures that mean something on a busy machine: each ratio comes from alternating rounds of its
// sides in one run (A B A B …), so that a slow moment of the machine falls on both sides, and is
// reported as the median of the per-round ratios with their min–max. The rounds are kept in the JSON.
import autocannon from 'autocannon'

/** The median of some values, with the smallest and largest. */
export interface Spread { median: number, min: number, max: number }

export function spread (values: readonly number[], digits = 3): Spread {
  const sorted = [...values].sort((a, b) => a - b)
  const n = sorted.length
  const median = n === 0 ? NaN : n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
  const round = (x: number) => +x.toFixed(digits)
  return { median: round(median), min: round(sorted[0] ?? NaN), max: round(sorted[n - 1] ?? NaN) }
}

/** `0.812 (0.74–0.86)` */
export const show = (s: Spread) => `${s.median} (${s.min}–${s.max})`

/** A ratio of two sides measured in turns: each round's figures, the ratio's spread and each side's. */
export interface Alternated<S extends string> {
  rounds: Array<Record<S, number>>
  sides: Record<S, Spread>
}

/**
 * `rounds` rounds, each measuring every side once in the given order (A B C, A B C, …); a side's
 * measure is a number (e.g. req/s). The order of the sides is the order of the keys.
 */
export async function alternate<S extends string> (rounds: number, sides: Record<S, () => Promise<number>>): Promise<Alternated<S>> {
  const names = Object.keys(sides) as S[]
  const measured: Array<Record<S, number>> = []
  for (let r = 0; r < rounds; r++) {
    const round = {} as Record<S, number>
    for (const name of names) round[name] = await sides[name]()
    measured.push(round)
  }
  const each = {} as Record<S, Spread>
  for (const name of names) each[name] = spread(measured.map((m) => m[name]), 0)
  return { rounds: measured, sides: each }
}

/** The per-round ratio `top / bottom` of an alternated measure, as a spread. */
export function ratio<S extends string> (run: Alternated<S>, top: S, bottom: S): Spread & { rounds: number[] } {
  const values = run.rounds.map((r) => r[top] / r[bottom])
  return { ...spread(values), rounds: values.map((v) => +v.toFixed(3)) }
}

/** The rounds of a bench run: `--rounds N` (at least 5 unless told otherwise). */
export function roundsArg (argv = process.argv): number {
  const i = argv.indexOf('--rounds')
  return i === -1 ? 5 : Math.max(1, Number(argv[i + 1]))
}

export interface Load { rps: number, p50_ms: number, p99_ms: number, non2xx: number, errors: number }

/** Warm load on one URL: POST `body` over `connections` connections for `seconds`; req/s and latencies. */
export async function load (url: string, body: string, connections: number, seconds: number): Promise<Load> {
  const r = await autocannon({ url, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections, duration: seconds })
  return { rps: Math.round(r.requests.average), p50_ms: r.latency.p50, p99_ms: r.latency.p99, non2xx: r.non2xx, errors: r.errors }
}
