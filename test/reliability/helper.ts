import { setTimeout as delay } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import type { Config } from '../../schemas/config.js'
import type { RunningSandbox, StartSandboxOptions } from '../../sandbox/index.js'
import type { UpstreamKind } from '../../services/upstream.js'
import { build, type LogCapture } from '../helper.js'

interface Teardown { teardown: (fn: () => unknown) => void }

export interface Served {
  app: FastifyInstance
  /** http://127.0.0.1:PORT */
  url: string
  sandbox: RunningSandbox
  config: Config
  logs: LogCapture
  /** the audit lines the app wrote */
  audit: LogCapture
}

/**
 * The app as server.ts builds it, listening on an ephemeral loopback port (real HTTP, real
 * sockets), against a fresh sandbox: for what only real connections show (disconnects, drain).
 */
export async function serve (t: Teardown, env: Record<string, string> = {}, sandboxOpts: StartSandboxOptions = {}, upstream?: UpstreamKind): Promise<Served> {
  const built = await build(t, env, sandboxOpts, upstream)
  await built.app.listen({ host: '127.0.0.1', port: 0 })
  const address = built.app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return { ...built, url: `http://127.0.0.1:${port}` }
}

/** Poll `check` every 10 ms until it holds; fails after `ms` (a generous bound, not a timing claim). */
export async function until (check: () => boolean | Promise<boolean>, ms = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await delay(10)
  }
}

export interface Item { index: number, operation_id: string, success: boolean, error_type: string | null, attempts: number, data: { id: number } | null, retry_after_ms: number | null, retryable: boolean }
export interface BatchBody { successful: Item[], failed: Item[], total_count: number, success_count: number, failure_count: number }

/** Every position of `ids` exactly once, each list in request order, each item about its own id. */
export function everyItemOnce (body: BatchBody, ids: number[]): string | undefined {
  const seen = [...body.successful, ...body.failed].map((i) => i.index).sort((a, b) => a - b)
  if (seen.length !== ids.length || seen.some((index, i) => index !== i)) return `indexes ${seen.join(',')} for ${ids.length} ids`
  for (const list of [body.successful, body.failed]) {
    if (list.some((item, i) => i > 0 && item.index <= list[i - 1].index)) return 'a list is out of request order'
  }
  for (const item of [...body.successful, ...body.failed]) {
    if (item.operation_id !== String(ids[item.index])) return `item ${item.index} is about ${item.operation_id}`
    if (item.success && item.data?.id !== ids[item.index]) return `item ${item.index} carries listing ${item.data?.id}`
  }
  if (body.total_count !== ids.length || body.success_count + body.failure_count !== ids.length) return 'counts do not add up'
  return undefined
}

/** Requests the sandbox counted on routes matching `pattern` (any method). */
export function upstreamCount (byRoute: Record<string, number>, pattern: RegExp): number {
  return Object.entries(byRoute).filter(([route]) => pattern.test(route)).reduce((n, [, c]) => n + c, 0)
}
