// SIGTERM during a batch, with the default configuration: `npx tsx bench/reliability/shutdown.ts`.
//
// Starts server.ts as an operator runs it — every variable at its default (SHUTDOWN_GRACE_MS
// 25 s) but the upstream — against a sandbox where listing 17 never answers, sends
// POST /api/batch/listings {"ids":[1,17]}, sends SIGTERM 1.5 s later, and prints one JSON object:
// whether the response came and reported every item, the exit code, and the times. Exit code 0
// when the response is complete and the gateway exited 0 within SHUTDOWN_GRACE_MS + 5 s.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { startSandbox } from '../../sandbox/index.js'

const ROOT = join(import.meta.dirname, '..', '..')
const IDS = [1, 17]
const SIGNAL_AFTER_MS = 1500
/** server.ts: the default SHUTDOWN_GRACE_MS, and the 5 s it allows the close beyond it (2 s to answer, 3 s to close) */
const GRACE_MS = 25_000
const MARGIN_MS = 5000

interface Item { index: number, operation_id: string, error_type?: string | null }
interface Batch { successful?: Item[], failed?: Item[], total_count?: number }

const sandbox = await startSandbox({ seed: 42, logger: false, faults: { fail_ids: { hang: [17] } } })
const gateway = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], {
  cwd: ROOT,
  // nothing of this shell's environment but PATH: the defaults, as documented
  env: { PATH: process.env.PATH ?? '', FASTIFY_AUTOLOAD_TYPESCRIPT: '1', HOST: '127.0.0.1', PORT: '0', HOSTAWAY_BASE_URL: sandbox.baseUrl, HOSTAWAY_ACCOUNT_ID: sandbox.accountId, HOSTAWAY_API_KEY: sandbox.apiKey },
  stdio: ['ignore', 'pipe', 'pipe']
})
// never outlive this script
process.on('exit', () => { if (gateway.exitCode === null && gateway.signalCode === null) gateway.kill('SIGKILL') })

const logs: Array<{ msg?: string, level?: number }> = []
let stderr = ''
const url = await new Promise<string>((resolve, reject) => {
  let buffered = ''
  gateway.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString()
    const lines = buffered.split('\n')
    buffered = lines.pop() ?? ''
    for (const line of lines) {
      if (line.trim() === '') continue
      const entry = JSON.parse(line) as { msg?: string, level?: number, component?: string }
      logs.push(entry)
      const m = /^Server listening at (http:\/\/127\.0\.0\.1:\d+)$/.exec(String(entry.msg))
      if (m !== null && entry.component === undefined) resolve(m[1])
    }
  })
  gateway.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  gateway.once('exit', (code) => reject(new Error(`server.ts exited with ${code} before listening: ${stderr}`)))
})
const exited = new Promise<{ code: number | null, signal: string | null, at: number }>((resolve) => {
  gateway.once('exit', (code, signal) => resolve({ code, signal, at: performance.now() }))
})

const sentAt = performance.now()
const response = fetch(`${url}/api/batch/listings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ids: IDS }) })
  .then(async (res) => ({ status: res.status, body: await res.json() as Batch, at: performance.now() }))
  .catch((err: unknown) => ({ status: null, body: null, error: String((err as Error).cause ?? err), at: performance.now() }))
await new Promise((resolve) => setTimeout(resolve, SIGNAL_AFTER_MS))
const signalledAt = performance.now()
gateway.kill('SIGTERM')

const [answer, exit] = await Promise.all([response, exited])
await sandbox.close()

const items = answer.body === null ? [] : [...(answer.body.successful ?? []), ...(answer.body.failed ?? [])]
const complete = answer.status === 200 && items.length === IDS.length &&
  IDS.every((id, index) => items.filter((i) => i.index === index && i.operation_id === String(id)).length === 1)
const exitMs = Math.round(exit.at - signalledAt)
const result = {
  scenario: `POST /api/batch/listings ${JSON.stringify({ ids: IDS })}, listing 17 hanging upstream; SIGTERM ${SIGNAL_AFTER_MS} ms after sending; every variable at its default (SHUTDOWN_GRACE_MS ${GRACE_MS})`,
  response_complete: complete,
  status: answer.status,
  items: items.map((i) => ({ id: i.operation_id, error_type: i.error_type ?? null })),
  ...('error' in answer ? { error: answer.error } : {}),
  exit_code: exit.code,
  exit_signal: exit.signal,
  ms_request_to_signal: Math.round(signalledAt - sentAt),
  ms_signal_to_response: Math.round(answer.at - signalledAt),
  ms_signal_to_exit: exitMs,
  exit_bound_ms: GRACE_MS + MARGIN_MS,
  errors_logged: logs.filter((l) => (l.level ?? 0) >= 50).map((l) => l.msg)
}
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
process.exitCode = complete && exit.code === 0 && exitMs <= GRACE_MS + MARGIN_MS ? 0 : 1
