// Part of the `memory` section: what capping V8's young generation costs in throughput. Gateways
// as `npm start` runs them (node dist/server.js), one per semi-space size, on one sandbox, loaded
// in turns (A B C, A B C, …) with the overhead section's warm batch (10 cached listings, 100
// connections); req/s per side and each capped side ÷ V8's default, median (min–max) of the rounds.
import { alternate, load, ratio, type Load } from './rounds.js'
import { gatewayEnv, post, shortWindowSandbox, spawnBuilt, type Child } from './servers.js'

const WARM_BODY = JSON.stringify({ ids: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] })
const CONNECTIONS = 100
const ROUND_SECONDS = 4

/** node flags of each side: V8's default (16 MB per semi-space on 64-bit), 8 MB, 4 MB */
const SIDES = {
  default: [],
  semi_space_8mb: ['--max-semi-space-size=8'],
  semi_space_4mb: ['--max-semi-space-size=4']
} satisfies Record<string, string[]>
type Side = keyof typeof SIDES

export async function semiSpaceCost (rounds: number) {
  const sb = await shortWindowSandbox()
  const gateways: Partial<Record<Side, Child>> = {}
  try {
    const names = Object.keys(SIDES) as Side[]
    for (const name of names) {
      const gw = gateways[name] = await spawnBuilt(gatewayEnv(sb), SIDES[name])
      await fetch(`http://127.0.0.1:${gw.port}/ready`)
      await post(gw.port, '/api/batch/listings', JSON.parse(WARM_BODY))
    }
    const loads = Object.fromEntries(names.map((name) => [name, [] as Load[]])) as Record<Side, Load[]>
    const side = (name: Side) => async () => {
      const l = await load(`http://127.0.0.1:${(gateways[name] as Child).port}/api/batch/listings`, WARM_BODY, CONNECTIONS, ROUND_SECONDS)
      loads[name].push(l)
      return l.rps
    }
    const run = await alternate(rounds, Object.fromEntries(names.map((name) => [name, side(name)])) as Record<Side, () => Promise<number>>)
    const after = Object.fromEntries(await Promise.all(names.map(async (name) => [name, await (gateways[name] as Child).memory()]))) as Record<Side, Awaited<ReturnType<Child['memory']>>>
    return {
      setup: { ids: 10, connections: CONNECTIONS, round_seconds: ROUND_SECONDS, rounds, node_flags: SIDES },
      rps: run.sides,
      semi_space_8mb_vs_default: ratio(run, 'semi_space_8mb', 'default'),
      semi_space_4mb_vs_default: ratio(run, 'semi_space_4mb', 'default'),
      /** each gateway after all its rounds, no GC */
      rss_mb_after: Object.fromEntries(names.map((name) => [name, after[name].rss_mb])),
      loads
    }
  } finally {
    for (const gw of Object.values(gateways)) await gw.close()
    await sb.close()
  }
}
