import { spawn } from 'node:child_process'
import { join } from 'node:path'
import type { SandboxStats } from '../../sandbox/stats.js'
import { built } from '../fixtures/dist.js'

const ROOT = join(import.meta.dirname, '..', '..')

export interface SandboxProcess {
  /** http://127.0.0.1:PORT/v1 */
  baseUrl: string
  accountId: string
  apiKey: string
  stats: () => Promise<SandboxStats>
  kill: () => void
}

/**
 * The standalone sandbox (`sandbox/server.ts`, built) in a child process: an upstream whose clock and
 * event loop are its own, so what it counts (requests per window, 429s) is what an upstream sees
 * of the gateway, whatever the test process' loop does. `env`: SANDBOX_* variables. Killed with
 * the test, and when the test process exits.
 */
export async function startSandboxProcess (t: { teardown: (fn: () => unknown) => void }, env: Record<string, string>): Promise<SandboxProcess> {
  const accountId = '10000'
  const apiKey = 'child-sandbox-secret'
  const child = spawn(process.execPath, [built('sandbox/server.js')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', SANDBOX_PORT: '0', SANDBOX_ACCOUNT_ID: accountId, SANDBOX_API_KEY: apiKey, SANDBOX_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const kill = () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') }
  process.once('exit', kill)
  t.teardown(() => {
    process.off('exit', kill)
    kill()
  })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const baseUrl = await new Promise<string>((resolve, reject) => {
    let buffered = ''
    child.once('exit', (code) => reject(new Error(`the sandbox exited with ${code} before listening: ${stderr}`)))
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString()
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const line of lines) {
        const entry = JSON.parse(line) as { baseUrl?: unknown }
        if (typeof entry.baseUrl !== 'string') continue
        // its request logs are not read: the pipe keeps flowing
        child.stdout.off('data', onData)
        child.stdout.resume()
        resolve(entry.baseUrl)
        return
      }
    }
    child.stdout.on('data', onData)
  })
  const origin = new URL(baseUrl).origin
  return {
    baseUrl,
    accountId,
    apiKey,
    stats: async () => await (await fetch(`${origin}/__sandbox/stats`)).json() as SandboxStats,
    kill
  }
}
