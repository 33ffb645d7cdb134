import { test } from 'tap'
import { ConfigError, loadConfig } from '../../services/config.js'

test('lookup variables: defaults and rules', async (t) => {
  const c = loadConfig({})
  t.equal(c.NEGATIVE_CACHE_TTL_MS, 60000)
  t.equal(c.BATCH_PLANNER, 'on')
  t.equal(loadConfig({ NEGATIVE_CACHE_TTL_MS: '0', BATCH_PLANNER: 'off' }).BATCH_PLANNER, 'off')

  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ NEGATIVE_CACHE_TTL_MS: '-1' }, /^Invalid configuration: NEGATIVE_CACHE_TTL_MS .*greater or equal to 0/],
    [{ BATCH_PLANNER: 'maybe' }, /^Invalid configuration: BATCH_PLANNER .*one of on, off/]
  ]
  for (const [env, re] of cases) {
    const err = t.throws(() => loadConfig(env)) as Error
    t.type(err, ConfigError)
    t.match(err.message, re, JSON.stringify(env))
  }
})
