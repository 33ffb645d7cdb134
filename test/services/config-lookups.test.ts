import { test } from 'tap'
import { ConfigError, loadConfig } from '../../services/config.js'
import { secretsOf } from '../../services/logger.js'

test('lookup and webhook variables: defaults and rules', async (t) => {
  const c = loadConfig({})
  t.equal(c.NEGATIVE_CACHE_TTL_MS, 60000)
  t.equal(c.BATCH_PLANNER, 'on')
  t.equal(c.HOSTAWAY_WEBHOOK_USER, undefined)
  t.equal(c.HOSTAWAY_WEBHOOK_PASSWORD, undefined)
  t.equal(loadConfig({ NEGATIVE_CACHE_TTL_MS: '0', BATCH_PLANNER: 'off' }).BATCH_PLANNER, 'off')

  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ NEGATIVE_CACHE_TTL_MS: '-1' }, /^Invalid configuration: NEGATIVE_CACHE_TTL_MS .*greater or equal to 0/],
    [{ BATCH_PLANNER: 'maybe' }, /^Invalid configuration: BATCH_PLANNER .*one of on, off/],
    [{ HOSTAWAY_WEBHOOK_USER: 'hostaway' }, /HOSTAWAY_WEBHOOK_USER and HOSTAWAY_WEBHOOK_PASSWORD must be set together/],
    [{ HOSTAWAY_WEBHOOK_PASSWORD: 'pw-only-here' }, /HOSTAWAY_WEBHOOK_USER and HOSTAWAY_WEBHOOK_PASSWORD must be set together/]
  ]
  for (const [env, re] of cases) {
    const err = t.throws(() => loadConfig(env)) as Error
    t.type(err, ConfigError)
    t.match(err.message, re, JSON.stringify(env))
    t.notMatch(err.message, /pw-only-here/, 'the password never appears')
  }
})

test('the webhook password is a secret of the logs', async (t) => {
  const c = loadConfig({ HOSTAWAY_WEBHOOK_USER: 'hostaway', HOSTAWAY_WEBHOOK_PASSWORD: 's3cret-webhook-pw' })
  t.ok(secretsOf(c).includes('s3cret-webhook-pw'))
})
