// The `memory` section of npm run bench: a gateway's resident set (RSS) and V8 heap used at start,
// after 10,000 mixed warm requests (batches and single reads of listings and reservations, 50
// connections) and after 1,000 idempotent writes (each with its own Idempotency-Key: 20 updates
// that break a per-item rule, answered at once, nothing sent upstream, the result kept under its
// key); each figure as the process stands and after a full collection (what it keeps).
//
// The gateway runs compiled, as `npm start` runs it (`node dist/server.js`, no tsx: a TypeScript
// loader alone adds tens of MB), next to variants that change one thing each; every round measures
// each variant once, in turn (A B C D, A B C D, …), and each figure is the median (min–max) of the rounds.
import autocannon from 'autocannon'
import { semiSpaceCost } from './memory-cost.js'
import { spread, type Spread } from './rounds.js'
import { gatewayEnv, post, shortWindowSandbox, spawnBuilt, spawnServer, type Child, type Memory } from './servers.js'

const MIXED = 10_000
const WRITES = 1_000
const CONNECTIONS = 50

const json = { 'content-type': 'application/json' }
const MIXED_REQUESTS: autocannon.Request[] = [
  { method: 'POST', path: '/api/batch/listings', headers: json, body: JSON.stringify({ ids: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }) },
  { method: 'GET', path: '/api/listings/3' },
  { method: 'POST', path: '/api/batch/bookings', headers: json, body: JSON.stringify({ ids: [1, 2, 3, 4, 5] }) },
  { method: 'GET', path: '/api/bookings/5' },
  { method: 'POST', path: '/api/batch/listings', headers: json, body: JSON.stringify({ ids: [11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25] }) },
  { method: 'GET', path: '/api/listings/30' }
]
const WRITE_BODY = JSON.stringify({ updates: Array.from({ length: 20 }, (_, i) => ({ listing_id: i + 1, price: -1 })) })

interface Variant {
  /** node flags before the entry point */
  execArgv: string[]
  /** environment on top of the gateway's */
  env: Record<string, string>
  /** the sources through tsx (bench/gateway.ts) instead of `node dist/server.js` */
  tsx?: boolean
}

/**
 * The variants, one change each from `default` (`node dist/server.js` without flags; `npm start`
 * adds `--max-semi-space-size=8`: it runs the `semi_space_8mb` variant):
 * V8's young generation capped (`--max-semi-space-size=8` or `4`, MB per semi-space; V8's default is 16
 * on 64-bit, and a busy process grows its semi-spaces to it), glibc's malloc held to 2 arenas,
 * and the sources through tsx (what this section measured before).
 */
const VARIANTS = {
  default: { execArgv: [], env: {} },
  semi_space_8mb: { execArgv: ['--max-semi-space-size=8'], env: {} },
  semi_space_4mb: { execArgv: ['--max-semi-space-size=4'], env: {} },
  malloc_arena_2: { execArgv: [], env: { MALLOC_ARENA_MAX: '2' } },
  tsx_sources: { execArgv: [], env: {}, tsx: true }
} satisfies Record<string, Variant>
type VariantName = keyof typeof VARIANTS

export async function memory (rounds: number) {
  const names = Object.keys(VARIANTS) as VariantName[]
  const runs = Object.fromEntries(names.map((name) => [name, [] as Measured[]])) as Record<VariantName, Measured[]>
  for (let r = 0; r < rounds; r++) {
    for (const name of names) runs[name].push(await measure(VARIANTS[name]))
  }
  const variants = Object.fromEntries(names.map((name) => [name, summary(VARIANTS[name], runs[name])])) as Record<VariantName, ReturnType<typeof summary>>
  return { ...variants, semi_space_cost: await semiSpaceCost(rounds) }
}

type Measured = Awaited<ReturnType<typeof measure>>
type Point = 'start' | 'after_mixed' | 'after_writes'

/** Each point's RSS and heap used, as the process stands and after a full collection, and the loads' req/s: medians (min–max). */
function summary (variant: Variant, runs: Measured[]) {
  const of = (point: Point, when: 'now' | 'after_gc', field: keyof Memory): Spread => spread(runs.map((m) => m[point][when][field]), 1)
  const at = (point: Point) => ({
    rss_mb: of(point, 'now', 'rss_mb'),
    heap_used_mb: of(point, 'now', 'heap_used_mb'),
    heap_total_mb: of(point, 'now', 'heap_total_mb'),
    after_gc: { rss_mb: of(point, 'after_gc', 'rss_mb'), heap_used_mb: of(point, 'after_gc', 'heap_used_mb'), heap_total_mb: of(point, 'after_gc', 'heap_total_mb') }
  })
  return {
    setup: { mixed_requests: MIXED, idempotent_writes: WRITES, connections: CONNECTIONS, items_per_write: 20, node_flags: variant.execArgv, env: variant.env, entry: variant.tsx === true ? 'bench/gateway.ts through tsx' : 'node dist/server.js' },
    start: at('start'),
    after_mixed: { ...at('after_mixed'), rps: spread(runs.map((m) => m.mixed_rps), 0), non2xx: runs.reduce((n, m) => n + m.mixed_non2xx, 0) },
    after_writes: { ...at('after_writes'), rps: spread(runs.map((m) => m.writes_rps), 0), non2xx_expected: runs.reduce((n, m) => n + m.writes_non2xx, 0) },
    rounds: runs
  }
}

async function both (gw: Child): Promise<{ now: Memory, after_gc: Memory }> {
  const now = await gw.memory()
  return { now, after_gc: await gw.memory(true) }
}

async function measure (variant: Variant) {
  const sb = await shortWindowSandbox()
  try {
    const env = { ...gatewayEnv(sb), ...variant.env }
    const gw = variant.tsx === true ? await spawnServer('gateway', env, variant.execArgv) : await spawnBuilt(env, variant.execArgv)
    try {
      const url = `http://127.0.0.1:${gw.port}`
      await fetch(`${url}/ready`)
      // every read of the load cached first: the load is the warm path
      await post(gw.port, '/api/batch/listings', { ids: Array.from({ length: 30 }, (_, i) => i + 1) })
      await post(gw.port, '/api/batch/bookings', { ids: [1, 2, 3, 4, 5] })
      const start = await both(gw)
      const mixed = await autocannon({ url, connections: CONNECTIONS, amount: MIXED, requests: MIXED_REQUESTS })
      const afterMixed = await both(gw)
      let key = 0
      const writes = await autocannon({
        url,
        connections: CONNECTIONS,
        amount: WRITES,
        requests: [{
          method: 'PATCH',
          path: '/api/listings/batch',
          body: WRITE_BODY,
          setupRequest: (req) => ({ ...req, headers: { ...json, 'idempotency-key': `bench-memory-${++key}` } })
        }]
      })
      if (mixed.errors > 0 || writes.errors > 0) throw new Error(`memory: ${mixed.errors} + ${writes.errors} connection errors`)
      return {
        start,
        after_mixed: afterMixed,
        after_writes: await both(gw),
        mixed_rps: Math.round(mixed.requests.average),
        mixed_non2xx: mixed.non2xx,
        writes_rps: Math.round(writes.requests.average),
        // every write breaks a per-item rule: 207/422-style partial answers count as non-2xx here
        writes_non2xx: writes.non2xx,
        keys: key
      }
    } finally {
      await gw.close()
    }
  } finally {
    await sb.close()
  }
}
