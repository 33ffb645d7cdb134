import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { Client, StreamableHTTPClientTransport, type CallToolResult } from '@modelcontextprotocol/client'
import type { StartSandboxOptions } from '../../sandbox/index.js'
import { serve as serveHttp, type Built } from '../helper.js'
import type { Teardown } from '../fixtures/harness.js'

/** The repository's root: where commands of the README run. */
export const ROOT = join(import.meta.dirname, '..', '..')

export interface Served extends Built {
  /** http://127.0.0.1:<port>/mcp */
  url: URL
  /** A connected MCP client (the SDK's own) sending these headers; closed with the test. */
  connect: (opts?: { headers?: Record<string, string>, modern?: boolean }) => Promise<Client>
  /** A raw POST to /mcp with the headers an MCP client sends, plus `headers`. */
  post: (body: string, headers?: Record<string, string>) => Promise<Response>
}

/** The app of test/helper.ts#serve (an ephemeral loopback port), with MCP clients for it. */
export async function serve (t: Teardown, env: Record<string, string> = {}, sandboxOpts: StartSandboxOptions = {}): Promise<Served> {
  const built = await serveHttp(t, env, sandboxOpts)
  const url = new URL('/mcp', built.url)

  async function connect ({ headers = {}, modern = false }: { headers?: Record<string, string>, modern?: boolean } = {}) {
    // default: the 2025 handshake (initialize) most clients speak; modern: the 2026-07-28 revision
    const client = new Client({ name: 'gateway-tests', version: '1.0.0' }, modern ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {})
    await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers } }))
    t.teardown(() => client.close())
    return client
  }

  const post = (body: string, headers: Record<string, string> = {}) => fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body
  })

  return { ...built, url, connect, post }
}

/** The text blocks of a tool result. */
export function texts (result: CallToolResult): string[] {
  return result.content.flatMap((block) => block.type === 'text' ? [block.text] : [])
}

/** The JSON-RPC message of a /mcp answer, sent as JSON or as one SSE event. */
export async function rpc (res: Response): Promise<{ jsonrpc: string, id?: unknown, result?: Record<string, unknown>, error?: { code: number, message: string } }> {
  const text = await res.text()
  const data = text.split('\n').find((line) => line.startsWith('data: '))
  return JSON.parse(data === undefined ? text : data.slice('data: '.length))
}

/** Runs a command to its end (killed with the test if it is still running), with its output. */
export function run (t: Teardown, command: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null, out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString() })
    child.stderr.on('data', (chunk: Buffer) => { out += chunk.toString() })
    const kill = () => { if (child.exitCode === null) child.kill('SIGKILL') }
    t.teardown(kill)
    process.once('exit', kill)
    child.on('error', reject)
    child.on('close', (code) => {
      process.removeListener('exit', kill)
      resolve({ code, out })
    })
  })
}
