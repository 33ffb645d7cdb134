// npx tsx bench/reliability/idempotency-memory.ts [--requests 12000] [--items 100] [--concurrency 32]
//
// The in-memory Idempotency-Key store under a flood of unique keys (#21): N batch-update requests,
// each with its own Idempotency-Key and ITEMS updates that break a per-item rule (answered at once,
// nothing sent upstream, so the gateway is as fast as it gets and only what it keeps adds up). Three
// gateway processes, one after the other, the same load each:
//   - baseline: the same requests without the header (nothing stored): what the load itself costs;
//   - bounded:  with keys, the store bounded by BATCH_IDEMPOTENCY_MAX_BYTES (default of the bench 32 MiB);
//   - unbounded: with keys, bounds lifted (the behaviour before the bound).
// Reported per run: the gateway's RSS before and after (and after each sixth of the requests; each
// sample after a full GC, bench/reliability/gc-on-signal.ts, so it shows what is kept), the
// store's size and evictions (/metrics), and the log volume (stdout bytes, audit bytes) per
// request. Prints JSON; `summary.bounded` is true when the store kept within its bound and the
// process' RSS levelled off (its highest sample in the second half of the requests is less than a
// quarter of the bound above the highest in the first half).
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

interface Gateway { url: string, pid: number, stdoutBytes: () => number, settledRss: () => Promise<number>, stop: () => Promise<void> }

/** server.ts as an operator runs it, logs to a pipe we count, audit lines to a file. */
async function startGateway (env: Record<string, string>): Promise<Gateway> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', '--import', join(import.meta.dirname, 'gc-on-signal.ts'), 'server.ts'], {
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
    // a full GC in the gateway (gc-on-signal.ts), then its RSS: what it keeps
    settledRss: async () => {
      child.kill('SIGWINCH')
      await new Promise((resolve) => setTimeout(resolve, 1000))
      return rss(child.pid ?? 0)
    },
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve()
      child.once('exit', () => resolve())
      child.kill('SIGTERM')
    })
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
    const rssBefore = await gw.settledRss()
    const logBefore = gw.stdoutBytes()
    const auditBefore = statSync(audit).size
    const started = performance.now()
    // RSS after each sixth of the requests: a bounded store levels off, an unbounded one keeps rising
    const series: number[] = []
    const step = Math.ceil(REQUESTS / 6)
    for (let sent = 0; sent < REQUESTS; sent += step) {
      await flood(gw.url, Math.min(step, REQUESTS - sent), keyed, `${name}-${sent}`)
      series.push(Math.round(await gw.settledRss() / MB))
    }
    const seconds = (performance.now() - started) / 1000
    const rssAfter = await gw.settledRss()
    return {
      run: name,
      keyed,
      requests: REQUESTS,
      items_per_request: ITEMS,
      seconds: Math.round(seconds * 10) / 10,
      rss_before_mb: Math.round(rssBefore / MB),
      rss_after_mb: Math.round(rssAfter / MB),
      rss_growth_mb: Math.round((rssAfter - rssBefore) / MB),
      rss_series_mb: series,
      rss_peak_growth_mb: Math.max(...series) - Math.round(rssBefore / MB),
      /** the highest sample of the second half of the requests less the highest of the first: about 0 once the store is full */
      rss_trend_mb: Math.max(...series.slice(series.length / 2)) - Math.max(...series.slice(0, series.length / 2)),
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
  const bound = bounded.bound_mb ?? 0
  const levelledOff = bounded.rss_trend_mb <= bound / 4
  console.log(JSON.stringify({
    runs: [baseline, bounded, unbounded],
    summary: {
      bound_mb: bound,
      // the store's own accounting never exceeds the bound
      bounded_store_mb: bounded.store_mb,
      // the process (RSS after a full GC): its peak and final growth, and whether it levelled off once
      // the store was full (V8 keeps heap pages of the results it churned through, so RSS sits above
      // the live size of the store)
      bounded_rss_peak_growth_mb: bounded.rss_peak_growth_mb,
      bounded_rss_peak_growth_per_bound: Math.round(bounded.rss_peak_growth_mb / bound * 100) / 100,
      bounded_rss_final_growth_mb: bounded.rss_growth_mb,
      bounded_rss_trend_mb: bounded.rss_trend_mb,
      baseline_rss_peak_growth_mb: baseline.rss_peak_growth_mb,
      unbounded_rss_peak_growth_mb: unbounded.rss_peak_growth_mb,
      unbounded_rss_trend_mb: unbounded.rss_trend_mb,
      // bounded: the store within its bound, and the RSS levelled off (its second half rose less than a quarter of the bound above its first)
      bounded: bounded.store_mb <= bound && levelledOff
    }
  }, null, 2))
} finally {
  await sb.close()
}
