// Processes of a benchmark run: a gateway (or a bare Fastify server) forked from bench/gateway.ts
// and driven over IPC, and small HTTP helpers.
import { execFileSync, fork, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { startSandbox, type RunningSandbox } from '../sandbox/index.js'

/** MB: the resident set, the V8 heap reserved and used, and memory outside it (Buffers, native) */
export interface Memory { rss_mb: number, heap_total_mb: number, heap_used_mb: number, external_mb: number }

export interface Child {
  port: number
  proc: ChildProcess
  /** resident set and V8 heap used now (after a full collection with `gc`: the process runs with --expose-gc) */
  memory: (gc?: boolean) => Promise<Memory>
  close: () => Promise<void>
}

const mb = (bytes: number) => +(bytes / 1024 / 1024).toFixed(1)

export function spawnServer (mode: 'gateway' | 'bare', env: Record<string, string>, execArgv: string[] = []): Promise<Child> {
  return driven(fork(join(import.meta.dirname, 'gateway.ts'), [mode], {
    execArgv: ['--import', 'tsx', '--expose-gc', ...execArgv],
    env: { ...process.env, FASTIFY_AUTOLOAD_TYPESCRIPT: '1', ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc']
  }), mode)
}

/**
 * The gateway as `npm start` runs it: `node dist/server.js` (built first if stale), no tsx, with
 * bench/memory-probe.mjs preloaded to answer the same commands. `env` must name the upstream
 * (HOSTAWAY_BASE_URL and credentials: no embedded sandbox), `extraEnv` e.g. MALLOC_ARENA_MAX.
 */
export function spawnBuilt (env: Record<string, string>, execArgv: string[] = []): Promise<Child> {
  const root = join(import.meta.dirname, '..')
  execFileSync(process.execPath, [join(root, 'scripts', 'build-if-stale.mjs')], { stdio: 'inherit' })
  return driven(fork(join(root, 'dist', 'server.js'), [], {
    execArgv: ['--expose-gc', '--import', join(import.meta.dirname, 'memory-probe.mjs'), ...execArgv],
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc']
  }), 'gateway')
}

function driven (proc: ChildProcess, mode: string): Promise<Child> {
  return new Promise((resolve, reject) => {
    proc.once('error', reject)
    proc.once('exit', (code) => reject(new Error(`${mode} exited early with ${code}`)))
    proc.on('message', (m: { ready?: boolean, port?: number }) => {
      if (m.ready !== true) return
      proc.removeAllListeners('exit')
      resolve({
        port: m.port as number,
        proc,
        memory: (gc = false) => new Promise((resolve) => {
          const onMessage = (r: { memory?: { rss: number, heapTotal: number, heapUsed: number, external: number } }) => {
            if (r.memory === undefined) return
            proc.off('message', onMessage)
            const { rss, heapTotal, heapUsed, external } = r.memory
            resolve({ rss_mb: mb(rss), heap_total_mb: mb(heapTotal), heap_used_mb: mb(heapUsed), external_mb: mb(external) })
          }
          proc.on('message', onMessage)
          proc.send({ cmd: 'memory', gc })
        }),
        close: () => new Promise((resolve) => { proc.once('exit', () => resolve()); proc.send({ cmd: 'close' }) })
      })
    })
  })
}

/** The bench's short window: Hostaway's 15 requests per IP, per 1000 ms instead of 10 s, and 20 ms upstream latency. */
export const SHORT = { windowMs: 1000, limitIp: 15, latencyMs: 20 }

/** A sandbox on the short window, with its latency. */
export async function shortWindowSandbox (): Promise<RunningSandbox> {
  return await startSandbox({ seed: 42, rateWindowMs: SHORT.windowMs, logger: false, faults: { latency_ms: { min: SHORT.latencyMs, max: SHORT.latencyMs } } })
}

/** A gateway on the short window (15 per 1000 ms), with a short token settle and a long batch deadline. */
export function shortWindowEnv (sb: RunningSandbox, extra: Record<string, string> = {}): Record<string, string> {
  return gatewayEnv(sb, { HOSTAWAY_RATE_WINDOW_MS: String(SHORT.windowMs), HOSTAWAY_TOKEN_SETTLE_MS: '50', BATCH_TIMEOUT_MS: '120000', ...extra })
}

/** A gateway's variables pointing at `sb`, with `extra` on top. */
export function gatewayEnv (sb: RunningSandbox, extra: Record<string, string> = {}): Record<string, string> {
  return {
    LOG_LEVEL: 'warn',
    HOSTAWAY_BASE_URL: sb.baseUrl,
    HOSTAWAY_ACCOUNT_ID: sb.accountId,
    HOSTAWAY_API_KEY: sb.apiKey,
    ...extra
  }
}

export interface BatchJson { success_count: number, failure_count: number }

export async function post (port: number, path: string, body: unknown): Promise<{ status: number, json: BatchJson, text: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const text = await res.text()
  return { status: res.status, json: JSON.parse(text) as BatchJson, text }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
