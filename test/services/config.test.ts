import { test } from 'tap'
import { spawnSync } from 'node:child_process'
import { ConfigError, apiKeys, loadConfig } from '../../services/config.js'
import { built } from '../fixtures/dist.js'

test('defaults are the documented ones', async (t) => {
  const c = loadConfig({})
  t.equal(c.HOST, '127.0.0.1')
  t.equal(c.PORT, 3000)
  t.equal(c.HOSTAWAY_BASE_URL, 'https://api.hostaway.com/v1')
  t.equal(c.HOSTAWAY_RATE_LIMIT_IP, 15)
  t.equal(c.HOSTAWAY_RATE_LIMIT_ACCOUNT, 20)
  t.equal(c.HOSTAWAY_RATE_WINDOW_MS, 10000)
  t.equal(c.HOSTAWAY_MAX_RETRIES, 3)
  t.equal(c.HOSTAWAY_TOKEN_SETTLE_MS, 1000)
  t.equal(c.CACHE_TTL_MS, 30000)
  t.equal(c.BATCH_MAX_ITEMS, 100)
  t.equal(c.BATCH_CONCURRENCY, 8)
  t.equal(c.BATCH_TIMEOUT_MS, 30000)
  t.equal(c.BATCH_IDEMPOTENCY_TTL_MS, 86400000)
  t.equal(c.HOSTAWAY_ACCOUNT_ID, undefined)
  t.equal(c.API_KEYS, undefined)
})

test('values are converted from strings and blanks count as unset', async (t) => {
  const c = loadConfig({ PORT: '8080', CACHE_TTL_MS: '0', API_KEYS: '  ', LOG_LEVEL: 'debug' })
  t.equal(c.PORT, 8080)
  t.equal(c.CACHE_TTL_MS, 0)
  t.equal(c.API_KEYS, undefined)
  t.equal(c.LOG_LEVEL, 'debug')
})

const CREDENTIALS = { HOSTAWAY_ACCOUNT_ID: '1', HOSTAWAY_API_KEY: 'secret' }

test('an invalid value names the variable and the rule', async (t) => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ PORT: 'abc' }, /^Invalid configuration: PORT .*integer/],
    [{ PORT: '1.5' }, /^Invalid configuration: PORT Expected integer \(got "1.5"\)$/],
    [{ BATCH_TIMEOUT_MS: '1e3' }, /^Invalid configuration: BATCH_TIMEOUT_MS Expected integer/],
    [{ CACHE_TTL_MS: '0x10' }, /^Invalid configuration: CACHE_TTL_MS Expected integer/],
    [{ PORT: '70000' }, /^Invalid configuration: PORT .*65535/],
    [{ BATCH_MAX_ITEMS: '0' }, /^Invalid configuration: BATCH_MAX_ITEMS .*1/],
    [{ LOG_LEVEL: 'loud' }, /^Invalid configuration: LOG_LEVEL .*one of fatal, error/],
    [{ HOSTAWAY_BASE_URL: 'ftp://x', ...CREDENTIALS }, /^Invalid configuration: HOSTAWAY_BASE_URL must be an http\(s\) URL with a host/],
    [{ HOSTAWAY_BASE_URL: 'not-a-url', ...CREDENTIALS }, /^Invalid configuration: HOSTAWAY_BASE_URL must be an http\(s\) URL with a host, e\.g\. https:\/\/api\.hostaway\.com\/v1 \(got "not-a-url"\)$/],
    // passed the old pattern check, then failed only in /ready
    [{ HOSTAWAY_BASE_URL: 'http://', ...CREDENTIALS }, /^Invalid configuration: HOSTAWAY_BASE_URL must be an http\(s\) URL/],
    // was silently ignored: the embedded sandbox ran instead
    [{ HOSTAWAY_BASE_URL: 'https://api.example.com/v1' }, /^Invalid configuration: HOSTAWAY_BASE_URL is set but HOSTAWAY_ACCOUNT_ID and HOSTAWAY_API_KEY are not/],
    [{ HOSTAWAY_API_KEY: 'only-the-secret' }, /HOSTAWAY_ACCOUNT_ID and HOSTAWAY_API_KEY must be set together/]
  ]
  for (const [env, re] of cases) {
    const err = t.throws(() => loadConfig(env)) as Error
    t.type(err, ConfigError)
    t.match(err.message, re, JSON.stringify(env))
    t.notMatch(err.message, /\n/, 'one line')
  }
})

test('a secret never appears in a config error', async (t) => {
  const err = t.throws(() => loadConfig({ HOSTAWAY_ACCOUNT_ID: '1', HOSTAWAY_API_KEY: 'x'.repeat(3), REDIS_URL: 'nope' })) as Error
  t.match(err.message, /REDIS_URL/)
  t.notMatch(err.message, /xxx/)
})

test('apiKeys splits and trims', async (t) => {
  t.same(apiKeys({ API_KEYS: ' a , b,,c ' }), ['a', 'b', 'c'])
  t.same(apiKeys({}), [])
})

test('server start-up with an invalid value exits non-zero with one line naming it', async (t) => {
  const res = spawnSync(process.execPath, [built('server.js')], {
    env: { ...process.env, PORT: 'abc' },
    encoding: 'utf8',
    timeout: 30_000
  })
  t.equal(res.status, 1)
  const lines = res.stderr.trim().split('\n')
  t.equal(lines.length, 1, 'exactly one line')
  t.match(lines[0], /PORT/)
  t.notMatch(res.stderr, /^\s+at /m, 'no stack trace')
})
