import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { ownChild } from '../fixtures/children.js'
import { built } from '../fixtures/dist.js'

const ROOT = join(import.meta.dirname, '..', '..')

export interface ServerProcess {
  /** http://127.0.0.1:PORT, once the server listens (rejects if it exits first) */
  url: Promise<string>
  /** stdout log lines, parsed (pino JSON) */
  logs: Array<Record<string, unknown>>
  stderr: () => string
  exit: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
  kill: (signal: NodeJS.Signals) => void
}

/**
 * `node dist/server.js`, as `npm start` runs it (built first if stale), with exactly `env` (plus PATH): nothing
 * of the test runner's environment leaks in. Killed with the test, or with the test process (test/fixtures/children.ts).
 */
export function startServer (t: { teardown: (fn: () => unknown) => void }, env: Record<string, string>): ServerProcess {
  const child = ownChild(t, spawn(process.execPath, [built('server.js')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  }))
  const logs: Array<Record<string, unknown>> = []
  let stderr = ''
  let buffered = ''
  let onListening: (url: string) => void = () => {}
  const url = new Promise<string>((resolve, reject) => {
    onListening = resolve
    child.once('exit', (code) => reject(new Error(`server exited with ${code} before listening: ${stderr}`)))
  })
  url.catch(() => {})
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString()
    const lines = buffered.split('\n')
    buffered = lines.pop() ?? ''
    for (const line of lines) {
      if (line.trim() === '') continue
      const entry = JSON.parse(line) as Record<string, unknown>
      logs.push(entry)
      // the gateway's own line (the embedded sandbox logs one too, with its component)
      const m = /^Server listening at (http:\/\/127\.0\.0\.1:\d+)$/.exec(String(entry.msg))
      if (m !== null && entry.component === undefined) onListening(m[1])
    }
  })
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const exit = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }))
  })
  return { url, logs, stderr: () => stderr, exit, kill: (signal) => child.kill(signal) }
}
