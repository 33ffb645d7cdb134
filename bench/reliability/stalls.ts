// The upstream budget under event-loop stalls (issue #21, defect 10): many concurrent 100-id batch
// lookups against an upstream double with Hostaway's limits (15 requests per IP, 20 per account per
// window), while the gateway's event loop stalls (busy-waits of up to STALL_MAX_MS, injected by
// stall-injector.ts). The double runs in its own process, so its clock and loop are independent of
// the gateway's: what it counts is what an upstream sees. Reported per window length: the most
// requests the double admitted within one window (per IP; the gateway's cap is 15 − 1 = 14), its
// 429s, and the gateway's answers (200s, and 503s when it refused new work under pressure).
//
//   npx tsx bench/reliability/stalls.ts                      this tree
//   npx tsx bench/reliability/stalls.ts --baseline <dir>     and the gateway of another checkout (e.g. main), side by side
//   options: --batches 200 --ids 100 --windows 2000,10000 --stall-max-ms 900 --stall-every-ms 1000 --planner off
//            --lag-margin-max-ms N (this tree's HOSTAWAY_RATE_LAG_MARGIN_MAX_MS; default its default)
//            --gateway-log FILE (append the gateways' log lines to FILE)
//
// Prints one JSON object. Each run starts a fresh double and a fresh gateway: its defaults but the
// window and BATCH_PLANNER (off by default here: one GET per id, so the budget is used all along
// the batches' 30 s deadline; with the planner on, 2,000 listings are 20 list pages).
import { spawn, type ChildProcess } from 'node:child_process'
import { appendFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'

const HERE = import.meta.dirname
const ROOT = join(HERE, '..', '..')
const LIMIT_IP = 15
const LIMIT_ACCOUNT = 20
const LISTINGS = 2000
const ACCOUNT = '10000'
const SECRET = 'bench-secret'

const { values: args } = parseArgs({
  options: {
    baseline: { type: 'string' },
    batches: { type: 'string', default: '200' },
    ids: { type: 'string', default: '100' },
    windows: { type: 'string', default: '2000,10000' },
    'stall-max-ms': { type: 'string', default: '900' },
    'stall-every-ms': { type: 'string', default: '1000' },
    planner: { type: 'string', default: 'off' },
    'lag-margin-max-ms': { type: 'string' },
    'gateway-log': { type: 'string' }
  }
})

interface Proc { proc: ChildProcess, url: Promise<string>, lines: Array<Record<string, unknown>>, counts: Map<string, number>, exited: Promise<void> }

/** Log lines counted: what explains an upstream that saw few requests (timeouts across a stall open the breaker). */
const COUNTED = ['hostaway circuit breaker opened', 'hostaway attempt failed, retrying', 'under pressure: refusing new requests (503) until the event loop recovers']

/** `node --import tsx [...imports] script` in `cwd`, with `env` (plus PATH); `listening` finds the URL in a log line; `log`: where its lines go too. */
function start (cwd: string, script: string, imports: string[], env: Record<string, string>, listening: (line: Record<string, unknown>) => string | undefined, log?: string): Proc {
  const proc = spawn(process.execPath, ['--import', 'tsx', ...imports.flatMap((i) => ['--import', i]), script], {
    cwd,
    env: { PATH: process.env.PATH ?? '', FASTIFY_AUTOLOAD_TYPESCRIPT: '1', ...env },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  const lines: Array<Record<string, unknown>> = []
  const counts = new Map<string, number>()
  let buffered = ''
  let found: (url: string) => void = () => {}
  const url = new Promise<string>((resolve, reject) => {
    found = resolve
    proc.once('exit', (code) => reject(new Error(`${script} exited with ${code} before listening`)))
  })
  url.catch(() => {})
  proc.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString()
    const parts = buffered.split('\n')
    buffered = parts.pop() ?? ''
    for (const part of parts) {
      if (log !== undefined) appendFileSync(log, part + '\n')
      if (!part.startsWith('{')) continue
      const line = JSON.parse(part) as Record<string, unknown>
      if ('stall_report' in line) lines.push(line)
      if (COUNTED.includes(String(line.msg))) counts.set(String(line.msg), (counts.get(String(line.msg)) ?? 0) + 1)
      const at = listening(line)
      if (at !== undefined) found(at)
    }
  })
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
  process.once('exit', () => proc.kill('SIGKILL'))
  return { proc, url, lines, counts, exited }
}

interface SandboxStats { requests: { total: number }, rate_limited: number, max_in_window_ip: number, max_in_window_account: number }

/** A random sample of `n` distinct listing ids. */
function sample (n: number): number[] {
  const ids = new Set<number>()
  while (ids.size < n) ids.add(1 + Math.floor(Math.random() * LISTINGS))
  return [...ids]
}

async function run (root: string, windowMs: number) {
  const sandbox = start(ROOT, 'sandbox/server.ts', [], {
    SANDBOX_PORT: '0',
    SANDBOX_ACCOUNT_ID: ACCOUNT,
    SANDBOX_API_KEY: SECRET,
    SANDBOX_RATE_WINDOW_MS: String(windowMs),
    SANDBOX_RATE_LIMIT_IP: String(LIMIT_IP),
    SANDBOX_RATE_LIMIT_ACCOUNT: String(LIMIT_ACCOUNT),
    SANDBOX_LISTING_COUNT: String(LISTINGS),
    SANDBOX_LOG_LEVEL: 'info'
  }, (line) => typeof line.baseUrl === 'string' && String(line.msg).includes('listening') ? line.baseUrl : undefined)
  const baseUrl = await sandbox.url
  const origin = new URL(baseUrl).origin
  const gateway = start(root, 'server.ts', [join(HERE, 'stall-injector.ts')], {
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'info',
    HOSTAWAY_BASE_URL: baseUrl,
    HOSTAWAY_ACCOUNT_ID: ACCOUNT,
    HOSTAWAY_API_KEY: SECRET,
    HOSTAWAY_RATE_WINDOW_MS: String(windowMs),
    BATCH_PLANNER: args.planner,
    ...(args['lag-margin-max-ms'] === undefined ? {} : { HOSTAWAY_RATE_LAG_MARGIN_MAX_MS: args['lag-margin-max-ms'] }),
    STALL_MAX_MS: args['stall-max-ms'],
    STALL_EVERY_MS: args['stall-every-ms']
  }, (line) => {
    const m = /^Server listening at (http:\/\/127\.0\.0\.1:\d+)$/.exec(String(line.msg))
    return m !== null && line.component === undefined ? m[1] : undefined
  }, args['gateway-log'])
  try {
    const url = await gateway.url
    const statuses: Record<string, number> = {}
    let success = 0
    let failed = 0
    const t0 = performance.now()
    await Promise.all(Array.from({ length: Number(args.batches) }, async () => {
      const res = await fetch(`${url}/api/batch/listings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ids: sample(Number(args.ids)) }) })
      statuses[res.status] = (statuses[res.status] ?? 0) + 1
      const body = await res.json() as { success_count?: number, failure_count?: number }
      success += body.success_count ?? 0
      failed += body.failure_count ?? 0
    }))
    const wallMs = performance.now() - t0
    const stats = await (await fetch(`${origin}/__sandbox/stats`)).json() as SandboxStats
    gateway.proc.kill('SIGTERM')
    await gateway.exited
    const report = (gateway.lines.find((l) => 'stall_report' in l)?.stall_report ?? {}) as Record<string, number>
    return {
      window_ms: windowMs,
      gateway_cap_per_window: LIMIT_IP - 1,
      upstream_max_in_window_ip: stats.max_in_window_ip,
      upstream_max_in_window_account: stats.max_in_window_account,
      upstream_429: stats.rate_limited,
      upstream_requests: stats.requests.total,
      budget_held: stats.max_in_window_ip <= LIMIT_IP - 1 && stats.rate_limited === 0,
      batch_statuses: statuses,
      items_success: success,
      items_failed: failed,
      wall_ms: Math.round(wallMs),
      gateway_breaker_opened: gateway.counts.get(COUNTED[0]) ?? 0,
      gateway_attempts_retried: gateway.counts.get(COUNTED[1]) ?? 0,
      gateway_pressure_episodes: gateway.counts.get(COUNTED[2]) ?? 0,
      ...report
    }
  } finally {
    gateway.proc.kill('SIGKILL')
    sandbox.proc.kill('SIGKILL')
    await Promise.all([gateway.exited, sandbox.exited])
  }
}

const roots: Array<[string, string]> = [['this_tree', ROOT]]
if (args.baseline !== undefined) roots.unshift(['baseline', resolve(args.baseline)])
const windows = args.windows.split(',').map(Number)
const results: Record<string, unknown[]> = {}
for (const [name, root] of roots) {
  results[name] = []
  for (const windowMs of windows) results[name].push(await run(root, windowMs))
}
process.stdout.write(JSON.stringify({
  setup: {
    batches: Number(args.batches),
    ids_per_batch: Number(args.ids),
    upstream_limits: { ip: LIMIT_IP, account: LIMIT_ACCOUNT },
    stall_max_ms: Number(args['stall-max-ms']),
    stall_every_ms: Number(args['stall-every-ms']),
    batch_planner: args.planner,
    ...(args['lag-margin-max-ms'] === undefined ? {} : { lag_margin_max_ms: Number(args['lag-margin-max-ms']) }),
    ...(args.baseline === undefined ? {} : { baseline: resolve(args.baseline) })
  },
  ...results
}, null, 2) + '\n')
