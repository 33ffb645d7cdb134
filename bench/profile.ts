// npx tsx bench/profile.ts [--seconds 8]
//
// The warm batch path under a CPU profiler: a gateway on the short-window sandbox, profiled (the
// inspector's Profiler, started once it is warm, stopped after the load) while it serves 10 cached
// listings per POST /api/batch/listings over 100 connections; prints the top 10 frames by self time
// (share of the samples the gateway was busy: idle left out) and where the profile was written.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { load } from './rounds.js'
import { gatewayEnv, post, shortWindowSandbox, spawnServer } from './servers.js'
import { WARM_BODY } from './service.js'

interface Node { id: number, callFrame: { functionName: string, url: string, lineNumber: number }, hitCount?: number }
interface Profile { nodes: Node[], samples: number[] }

const seconds = process.argv.includes('--seconds') ? Number(process.argv[process.argv.indexOf('--seconds') + 1]) : 8
const root = join(import.meta.dirname, '..')

/** Frames by self time: `[share, name]`, highest first. */
export function topFrames (profile: Profile, n = 10): Array<[number, string]> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const self = new Map<string, number>()
  let total = 0
  for (const id of profile.samples) {
    const frame = byId.get(id)?.callFrame
    if (frame === undefined || frame.functionName === '(idle)') continue
    total++
    const where = frame.url === '' ? '' : ` ${relative(root, frame.url.replace(/^file:\/\//, ''))}:${frame.lineNumber + 1}`
    const name = `${frame.functionName === '' ? '(anonymous)' : frame.functionName}${where}`
    self.set(name, (self.get(name) ?? 0) + 1)
  }
  return [...self].sort((a, b) => b[1] - a[1]).slice(0, n).map(([name, count]) => [+(count / total).toFixed(3), name])
}

const dir = mkdtempSync(join(tmpdir(), 'hgw-profile-'))
const sb = await shortWindowSandbox()
try {
  const gw = await spawnServer('gateway', gatewayEnv(sb))
  await fetch(`http://127.0.0.1:${gw.port}/ready`)
  await post(gw.port, '/api/batch/listings', JSON.parse(WARM_BODY))
  await load(`http://127.0.0.1:${gw.port}/api/batch/listings`, WARM_BODY, 100, 2) // JIT-warm, as a running gateway is
  const answer = <T>(field: string) => new Promise<T>((resolve) => {
    const on = (m: Record<string, unknown>) => { if (field in m) { gw.proc.off('message', on); resolve(m[field] as T) } }
    gw.proc.on('message', on)
  })
  const started = answer('profiling')
  gw.proc.send({ cmd: 'profile' })
  await started
  const l = await load(`http://127.0.0.1:${gw.port}/api/batch/listings`, WARM_BODY, 100, seconds)
  const stopped = answer<Profile>('profile')
  gw.proc.send({ cmd: 'profile', stop: true })
  const profile = await stopped
  await gw.close()
  const file = join(dir, 'warm-batch.cpuprofile')
  writeFileSync(file, JSON.stringify(profile))
  console.log(`${l.rps} req/s under the profiler; profile: ${file}`)
  for (const [share, name] of topFrames(profile)) console.log(`${(share * 100).toFixed(1).padStart(5)} %  ${name}`)
} finally {
  await sb.close()
}
