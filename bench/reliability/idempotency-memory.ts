// npx tsx bench/reliability/idempotency-memory.ts [--requests 12000] [--items 100] [--concurrency 32]
//
// The in-memory Idempotency-Key store under a flood of unique keys (#21): N batch-update requests,
// each with its own Idempotency-Key and ITEMS updates that break a per-item rule (answered at once,
// nothing sent upstream, so the gateway is as fast as it gets and only what it keeps adds up). Three
// gateway processes, one after the other, the same load each:
//   - baseline: the same requests without the header (nothing stored): what the load itself costs;
//   - bounded:  with keys, the store bounded by BATCH_IDEMPOTENCY_MAX_BYTES (default of the bench 32 MiB);
//   - unbounded: with keys, bounds lifted (the behaviour before the bound).
// Reported per run: the gateway's RSS before and after, its growth, the store's size and evictions
// (/metrics), and the log volume (stdout bytes, audit bytes) per request. Prints JSON.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startSandbox } from '../../sandbox/index.js'
import { gatewayEnv } from '../servers.js'

const ROOT = join(import.meta.dirname, '..', '..')
const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`)
  return at === -1 ? fallback : Number(process.argv[at + 1])
}
const REQUESTS = arg('requests', 12_000)
const ITEMS = arg('items', 100)
const CONCURRENCY = arg('concurrency', 32)
const BOUND_BYTES = arg('bound-bytes', 32 * 1024 * 1024)
const MB = 1024 * 1024

interface Gateway { url: string, pid: number, stdoutBytes: () => number, stop: () => Promise<void> }

/** server.ts as an operator runs it, logs to a pipe we count, audit lines to a file. */
async function startGateway (env: Record<string, string>): Promise<Gateway> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', FASTIFY_AUTOLOAD_TYPESCRIPT: '1', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  let bytes = 0
  let buffered: string | undefined = ''
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}`)))
    child.stdout.on('data', (chunk: Buffer) => {
      bytes += chunk.length
      if (buffered === undefined) return
      buffered += chunk.toString()
      const m = /"msg":"Server listening at (http:\/\/127\.0\.0\.1:\d+)"/.exec(buffered)
      if (m !== null) {
        // from then on only counted
        buffered = undefined
        resolve(m[1])
      }
    })
  })
  child.removeAllListeners('exit')
  return {
    url,
    pid: child.pid ?? 0,
    stdoutBytes: () => bytes,
    stop: () => new Promise((resolve) => { child.once('exit', () => resolve()); child.kill('SIGTERM') })
  }
}

/** Resident set size of a process (Linux /proc), in bytes. */
function rss (pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024
}

async function metric (url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`))
  return line === undefined ? NaN : Number(line.slice(line.lastIndexOf(' ') + 1))
}

const body = JSON.stringify({ updates: Array.from({ length: ITEMS }, (_, i) => ({ listing_id: i + 1, price: -1 })) })

/** `count` PATCH requests, `CONCURRENCY` at once, each with its own key when `keyed`. */
async function flood (url: string, count: number, keyed: boolean, tag: string): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < count) {
      const n = next++
      const headers: Record<string, string> = { 'content-type': 'application/json' }
      if (keyed) headers['idempotency-key'] = `${tag}-${n}`
      const res = await fetch(`${url}/api/listings/batch`, { method: 'PATCH', headers, body })
      if (res.status !== 200) throw new Error(`request ${n}: HTTP ${res.status}`)
      await res.arrayBuffer()
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
}

async function run (name: string, keyed: boolean, extra: Record<string, string>, sbEnv: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'hgw-idem-bench-'))
  const audit = join(dir, 'audit.log')
  const gw = await startGateway({ ...sbEnv, AUDIT_LOG: audit, ...extra })
  try {
    // warm up (JIT, pools) without keys, then measure from a settled process
    await flood(gw.url, 500, false, 'warm')
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const rssBefore = rss(gw.pid)
    const logBefore = gw.stdoutBytes()
    const auditBefore = statSync(audit).size
    const started = performance.now()
    await flood(gw.url, REQUESTS, keyed, name)
    const seconds = (performance.now() - started) / 1000
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const rssAfter = rss(gw.pid)
    return {
      run: name,
      keyed,
      requests: REQUESTS,
      items_per_request: ITEMS,
      seconds: Math.round(seconds * 10) / 10,
      rss_before_mb: Math.round(rssBefore / MB),
      rss_after_mb: Math.round(rssAfter / MB),
      rss_growth_mb: Math.round((rssAfter - rssBefore) / MB),
      bound_entries: extra.BATCH_IDEMPOTENCY_MAX_ENTRIES === undefined ? null : Number(extra.BATCH_IDEMPOTENCY_MAX_ENTRIES),
      bound_mb: extra.BATCH_IDEMPOTENCY_MAX_BYTES === undefined ? null : Math.round(Number(extra.BATCH_IDEMPOTENCY_MAX_BYTES) / MB),
      store_entries: await metric(gw.url, 'hostaway_idempotency_store_entries'),
      store_mb: Math.round(await metric(gw.url, 'hostaway_idempotency_store_bytes') / MB * 10) / 10,
      evictions: await metric(gw.url, 'hostaway_idempotency_evictions_total'),
      log_bytes_per_request: Math.round((gw.stdoutBytes() - logBefore) / REQUESTS),
      audit_bytes_per_request: Math.round((statSync(audit).size - auditBefore) / REQUESTS)
    }
  } finally {
    await gw.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

const sb = await startSandbox({ seed: 42, logger: false })
try {
  const env = gatewayEnv(sb, { LOG_LEVEL: 'info' })
  const baseline = await run('baseline', false, {}, env)
  const bounded = await run('bounded', true, { BATCH_IDEMPOTENCY_MAX_BYTES: String(BOUND_BYTES), BATCH_IDEMPOTENCY_MAX_ENTRIES: '50000' }, env)
  const unbounded = await run('unbounded', true, { BATCH_IDEMPOTENCY_MAX_BYTES: String(Number.MAX_SAFE_INTEGER), BATCH_IDEMPOTENCY_MAX_ENTRIES: String(Number.MAX_SAFE_INTEGER) }, env)
  const storeGrowth = bounded.rss_growth_mb - baseline.rss_growth_mb
  console.log(JSON.stringify({
    runs: [baseline, bounded, unbounded],
    bounded: {
      rss_growth_over_baseline_mb: storeGrowth,
      bound_mb: bounded.bound_mb,
      within_bound: bounded.store_mb <= (bounded.bound_mb ?? 0) && storeGrowth <= (bounded.bound_mb ?? 0)
    },
    unbounded_rss_growth_over_baseline_mb: unbounded.rss_growth_mb - baseline.rss_growth_mb
  }, null, 2))
} finally {
  await sb.close()
}
