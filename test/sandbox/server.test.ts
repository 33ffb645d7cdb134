import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { test } from 'tap'
import { configFromEnv } from '../../sandbox/env.js'
import { ownChild } from '../fixtures/children.js'
import { built } from '../fixtures/dist.js'

const root = fileURLToPath(new URL('../..', import.meta.url))

function run (t: { teardown: (fn: () => unknown) => void }, env: Record<string, string>) {
  const child = ownChild(t, spawn(process.execPath, [built('sandbox/server.js')], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }))
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d })
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
  const exit = once(child, 'exit').then(([code]) => code as number | null)
  return { child, exit, out: () => stdout, err: () => stderr }
}

test('configFromEnv: defaults and validation', async (t) => {
  t.same(configFromEnv({}), {
    port: 4010,
    host: '127.0.0.1',
    logLevel: 'info',
    options: { accountId: '10000', apiKey: 'sandbox-secret', seed: 42, rateWindowMs: 10000, rateLimitIp: 15, rateLimitAccount: 20, listingCount: 40, faults: {} }
  })
  t.same(configFromEnv({
    SANDBOX_PORT: ' 0 ', SANDBOX_HOST: '0.0.0.0', SANDBOX_SEED: '7', SANDBOX_LISTING_COUNT: '150', SANDBOX_RATE_LIMIT_IP: '3', SANDBOX_FAULTS: '{"status_rates":{"503":0.1}}', SANDBOX_BASE_DATE: '2026-01-01', SANDBOX_LOG_LEVEL: 'debug', SANDBOX_API_KEY: ''
  }), {
    port: 0,
    host: '0.0.0.0',
    logLevel: 'debug',
    options: { accountId: '10000', apiKey: 'sandbox-secret', seed: 7, rateWindowMs: 10000, rateLimitIp: 3, rateLimitAccount: 20, listingCount: 150, faults: { status_rates: { 503: 0.1 } }, baseDate: '2026-01-01' }
  }, 'values converted, blanks count as unset')
  const bad: Array<[Record<string, string>, RegExp]> = [
    [{ SANDBOX_PORT: 'abc' }, /^Invalid configuration: SANDBOX_PORT Expected integer \(got "abc"\)$/],
    [{ SANDBOX_PORT: '70000' }, /^Invalid configuration: SANDBOX_PORT .*65535/],
    [{ SANDBOX_SEED: '-1' }, /^Invalid configuration: SANDBOX_SEED .*0/],
    [{ SANDBOX_RATE_WINDOW_MS: '0' }, /^Invalid configuration: SANDBOX_RATE_WINDOW_MS /],
    [{ SANDBOX_RATE_LIMIT_IP: 'lots' }, /^Invalid configuration: SANDBOX_RATE_LIMIT_IP Expected integer/],
    [{ SANDBOX_RATE_LIMIT_ACCOUNT: 'many' }, /^Invalid configuration: SANDBOX_RATE_LIMIT_ACCOUNT /],
    [{ SANDBOX_LISTING_COUNT: '0' }, /^Invalid configuration: SANDBOX_LISTING_COUNT .*1/],
    [{ SANDBOX_LISTING_COUNT: '10001' }, /^Invalid configuration: SANDBOX_LISTING_COUNT .*10000/],
    [{ SANDBOX_FAULTS: 'not json' }, /^Invalid configuration: SANDBOX_FAULTS must be JSON \(got "not json"\)$/],
    [{ SANDBOX_FAULTS: '{"hang_rate":2}' }, /^Invalid configuration: SANDBOX_FAULTS\/hang_rate .*1$/],
    [{ SANDBOX_FAULTS: '{"nope":1}' }, /^Invalid configuration: SANDBOX_FAULTS\/nope /],
    [{ SANDBOX_FAULTS: '{"hang_rate":0.6,"reset_rate":0.6}' }, /^Invalid configuration: SANDBOX_FAULTS: the rates together must not exceed 1$/],
    [{ SANDBOX_BASE_DATE: '2026-02-30' }, /^Invalid configuration: SANDBOX_BASE_DATE must be a real date/],
    [{ SANDBOX_BASE_DATE: 'tomorrow' }, /^Invalid configuration: SANDBOX_BASE_DATE Expected string to match/],
    [{ SANDBOX_LOG_LEVEL: 'loud' }, /^Invalid configuration: SANDBOX_LOG_LEVEL .*one of fatal, error, warn, info, debug, trace, silent \(got "loud"\)$/],
    [{ SANDBOX_HOST: ' ', SANDBOX_API_KEY: 's3cr3t', SANDBOX_SEED: 'x' }, /^Invalid configuration: SANDBOX_SEED /]
  ]
  for (const [env, message] of bad) t.throws(() => configFromEnv(env), { name: 'ConfigError', message }, JSON.stringify(env))
})

test('a bad variable: one line on stderr naming it, exit 1, no stack', async (t) => {
  const p = run(t, { SANDBOX_PORT: 'abc' })
  t.equal(await p.exit, 1)
  t.equal(p.err(), 'sandbox: Invalid configuration: SANDBOX_PORT Expected integer (got "abc")\n')
  t.equal(p.out(), '')
})

test('starts, logs where it listens, serves tokens, closes on SIGTERM', async (t) => {
  const p = run(t, { SANDBOX_PORT: '0', SANDBOX_SEED: '7', SANDBOX_ACCOUNT_ID: '555', SANDBOX_API_KEY: 'k', SANDBOX_LISTING_COUNT: '41', SANDBOX_FAULTS: '{"fail_ids":{"503":[2]}}' })
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
  const authorization = `Bearer ${token}`
  t.equal((await fetch(`${baseUrl}/listings/2`, { headers: { authorization } })).status, 503, 'SANDBOX_FAULTS applied')
  t.match(await (await fetch(`${baseUrl}/listings?limit=1`, { headers: { authorization } })).json(), { count: 41 }, 'SANDBOX_LISTING_COUNT applied')
  p.child.kill('SIGTERM')
  t.equal(await p.exit, 0)
})
