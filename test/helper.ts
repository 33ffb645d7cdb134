import Fastify, { type FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import fp from 'fastify-plugin'
import { pino } from 'pino'
import App, { serverOptions } from '../app.js'
import { loadConfig } from '../services/config.js'
import { loggerOptions } from '../services/logger.js'
import type { Config } from '../schemas/config.js'
import type { UpstreamKind } from '../services/upstream.js'
import { LogCapture } from './log-capture.js'
import { sandboxUpstream, type Teardown } from './fixtures/harness.js'
import { startSandbox, type RunningSandbox, type StartSandboxOptions } from '../sandbox/index.js'

export { LogCapture }

export interface Built {
  app: FastifyInstance
  sandbox: RunningSandbox
  config: Config
  logs: LogCapture
  /** the audit lines the app wrote (AUDIT_LOG is replaced by this capture) */
  audit: LogCapture
}

/** Start a sandbox on an ephemeral loopback port with a short rate window; torn down with the test. */
export async function sandbox (t: Teardown, opts: StartSandboxOptions = {}): Promise<RunningSandbox> {
  const sb = await startSandbox({ seed: 42, rateWindowMs: 1000, logger: false, ...opts })
  t.teardown(() => sb.close())
  return sb
}

/**
 * tap's `test` on the root `t`, each test starting from the sandboxes' seeded state: not a root
 * `t.beforeEach`, which in a test group (test/groups/groups.ts) would reach the files run after this one.
 */
export function seededTests (t: Pick<Test, 'test'>, ...sandboxes: RunningSandbox[]) {
  return (name: string, fn: (t: Test) => Promise<void>) => t.test(name, async (t) => {
    await Promise.all(sandboxes.map((sb) => sb.reset()))
    await fn(t)
  })
}

/**
 * Build the app exactly as server.ts does (same server options, same plugins), pointed at a fresh
 * sandbox, with logs captured in memory. `env` overrides configuration variables.
 */
export async function build (t: Teardown, env: Record<string, string> = {}, sandboxOpts: StartSandboxOptions = {}, upstream?: UpstreamKind): Promise<Built> {
  const sb = await sandbox(t, sandboxOpts)
  const config = loadConfig({
    LOG_LEVEL: 'info',
    ...sandboxUpstream(sb),
    HOSTAWAY_RATE_WINDOW_MS: String(sandboxOpts.rateWindowMs ?? 1000),
    HOSTAWAY_TOKEN_SETTLE_MS: '20',
    HOSTAWAY_RETRY_BASE_MS: '20',
    HOSTAWAY_TIMEOUT_MS: '2000',
    // load shedding measures this process' event loop, which every test here shares: a test about it sets it
    PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '0',
    ...env
  })
  const logs = new LogCapture()
  const audit = new LogCapture()
  const app = Fastify(serverOptions(config, { loggerInstance: pino(loggerOptions(config, { pretty: false }), logs) }))
  // closed with the test even when it fails to start: what did start (a Redis client that keeps
  // reconnecting, timers) would otherwise keep the test process alive until tap's timeout
  t.teardown(() => app.close())
  await app.register(fp(App), { config, audit, ...(upstream === undefined ? {} : { upstream }) })
  await app.ready()
  return { app, sandbox: sb, config, logs, audit }
}

export interface Served extends Built {
  /** http://127.0.0.1:PORT */
  url: string
}

/**
 * The app of `build` listening on an ephemeral loopback port (real HTTP, real sockets), against a
 * fresh sandbox: for what only real connections show (disconnects, drain, MCP clients).
 */
export async function serve (t: Teardown, env: Record<string, string> = {}, sandboxOpts: StartSandboxOptions = {}, upstream?: UpstreamKind): Promise<Served> {
  const built = await build(t, env, sandboxOpts, upstream)
  await built.app.listen({ host: '127.0.0.1', port: 0 })
  const address = built.app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return { ...built, url: `http://127.0.0.1:${port}` }
}
