import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { test } from 'tap'
import { configFromEnv } from '../../sandbox/env.js'

const root = fileURLToPath(new URL('../..', import.meta.url))

function run (env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'sandbox/server.ts'], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d })
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
  const exit = once(child, 'exit').then(([code]) => code as number | null)
  return { child, exit, out: () => stdout, err: () => stderr }
}

test('configFromEnv: defaults and validation', async (t) => {
  t.same(configFromEnv({}), {
    port: 4010, host: '127.0.0.1', accountId: '10000', apiKey: 'sandbox-secret', seed: 42, rateWindowMs: 10000, rateLimitIp: 15, rateLimitAccount: 20, faults: {}, logLevel: 'info'
  })
  t.match(configFromEnv({ SANDBOX_PORT: '0', SANDBOX_SEED: '7', SANDBOX_FAULTS: '{"status_rates":{"503":0.1}}', SANDBOX_BASE_DATE: '2026-01-01', SANDBOX_LOG_LEVEL: 'debug' }), {
    port: 0, seed: 7, faults: { status_rates: { 503: 0.1 } }, baseDate: '2026-01-01', logLevel: 'debug'
  })
  const bad: Array<[Record<string, string>, RegExp]> = [
    [{ SANDBOX_PORT: 'abc' }, /^SANDBOX_PORT /],
    [{ SANDBOX_PORT: '70000' }, /^SANDBOX_PORT /],
    [{ SANDBOX_SEED: '-1' }, /^SANDBOX_SEED /],
    [{ SANDBOX_RATE_WINDOW_MS: '0' }, /^SANDBOX_RATE_WINDOW_MS /],
    [{ SANDBOX_RATE_LIMIT_IP: '1.5' }, /^SANDBOX_RATE_LIMIT_IP /],
    [{ SANDBOX_RATE_LIMIT_ACCOUNT: 'many' }, /^SANDBOX_RATE_LIMIT_ACCOUNT /],
    [{ SANDBOX_FAULTS: 'not json' }, /^SANDBOX_FAULTS must be JSON/],
    [{ SANDBOX_FAULTS: '{"hang_rate":2}' }, /^SANDBOX_FAULTS is invalid: faults\/hang_rate/],
    [{ SANDBOX_BASE_DATE: '2026-02-30' }, /^SANDBOX_BASE_DATE /],
    [{ SANDBOX_LOG_LEVEL: 'loud' }, /^SANDBOX_LOG_LEVEL /]
  ]
  for (const [env, message] of bad) t.throws(() => configFromEnv(env), { name: 'EnvError', message }, JSON.stringify(env))
})

test('a bad variable: one line on stderr naming it, exit 1, no stack', async (t) => {
  const p = run({ SANDBOX_PORT: 'abc' })
  t.equal(await p.exit, 1)
  t.equal(p.err(), 'sandbox: SANDBOX_PORT must be an integer from 0 to 65535, got "abc"\n')
  t.equal(p.out(), '')
})

test('starts, logs where it listens, serves tokens, closes on SIGTERM', async (t) => {
  const p = run({ SANDBOX_PORT: '0', SANDBOX_SEED: '7', SANDBOX_ACCOUNT_ID: '555', SANDBOX_API_KEY: 'k', SANDBOX_FAULTS: '{"fail_ids":{"503":[2]}}' })
  t.teardown(() => { p.child.kill('SIGKILL') })
  const deadline = Date.now() + 15_000
  let baseUrl: string | undefined
  while (baseUrl === undefined && Date.now() < deadline) {
    baseUrl = /"baseUrl":"(http:\/\/127\.0\.0\.1:\d+\/v1)"/.exec(p.out())?.[1]
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  if (baseUrl === undefined) throw new Error(`no baseUrl logged: ${p.out()} ${p.err()}`)
  t.match(p.out(), /client_id=555 client_secret=k/)
  const r = await fetch(`${baseUrl}/accessTokens`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: '555', client_secret: 'k', scope: 'general' })
  })
  t.equal(r.status, 200)
  const { access_token: token } = await r.json() as { access_token: string }
  t.equal((await fetch(`${baseUrl}/listings/2`, { headers: { authorization: `Bearer ${token}` } })).status, 503, 'SANDBOX_FAULTS applied')
  p.child.kill('SIGTERM')
  t.equal(await p.exit, 0)
})
