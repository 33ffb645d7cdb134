import t from 'tap'
import { loadConfig } from '../../services/config.js'
import { ConfigError } from '../../lib/env.js'
import { chooseUpstream, embeddedSandboxOptions, publicUrl } from '../../services/upstream.js'

const CREDENTIALS = { HOSTAWAY_ACCOUNT_ID: '123', HOSTAWAY_API_KEY: 'real-secret' }

t.test('credentials set: Hostaway, whatever NODE_ENV says', async (t) => {
  t.equal(chooseUpstream(loadConfig({ ...CREDENTIALS, NODE_ENV: 'production' })), 'hostaway')
  t.equal(chooseUpstream(loadConfig({ ...CREDENTIALS })), 'hostaway')
  t.equal(chooseUpstream(loadConfig({ ...CREDENTIALS, HOSTAWAY_SANDBOX: '1' })), 'hostaway', 'HOSTAWAY_SANDBOX only allows the sandbox, it does not force it')
})

t.test('no credentials: the sandbox outside production, or in production only when HOSTAWAY_SANDBOX=1', async (t) => {
  t.equal(chooseUpstream(loadConfig({})), 'sandbox')
  t.equal(chooseUpstream(loadConfig({ NODE_ENV: 'development' })), 'sandbox')
  t.equal(chooseUpstream(loadConfig({ NODE_ENV: 'test' })), 'sandbox')
  t.equal(chooseUpstream(loadConfig({ NODE_ENV: 'production', HOSTAWAY_SANDBOX: '1' })), 'sandbox')
  t.equal(chooseUpstream(loadConfig({ NODE_ENV: 'production', HOSTAWAY_SANDBOX: 'true' })), 'sandbox')
  for (const env of [{ NODE_ENV: 'production' }, { NODE_ENV: 'production', HOSTAWAY_SANDBOX: '0' }]) {
    const err = (() => { try { chooseUpstream(loadConfig(env)) } catch (e) { return e } })()
    t.ok(err instanceof ConfigError, JSON.stringify(env))
    t.equal((err as Error).message, 'Invalid configuration: NODE_ENV=production without Hostaway credentials: set HOSTAWAY_ACCOUNT_ID and HOSTAWAY_API_KEY (or HOSTAWAY_SANDBOX=1 to serve the simulated sandbox on purpose)')
    t.notMatch((err as Error).message, /\n/, 'one line')
  }
  t.throws(() => loadConfig({ HOSTAWAY_SANDBOX: 'maybe' }), /^Invalid configuration: HOSTAWAY_SANDBOX Expected boolean \(got "maybe"\)$/)
})

t.test('the embedded sandbox takes the SANDBOX_* variables', async (t) => {
  t.same(embeddedSandboxOptions(loadConfig({
    SANDBOX_ACCOUNT_ID: '777', SANDBOX_API_KEY: 'sb-key', SANDBOX_SEED: '7', SANDBOX_RATE_WINDOW_MS: '700', SANDBOX_LISTING_COUNT: '9'
  })), { accountId: '777', apiKey: 'sb-key', seed: 7, rateWindowMs: 700, listingCount: 9 })
  t.same(embeddedSandboxOptions(loadConfig({})), { accountId: '10000', apiKey: 'sandbox-secret', seed: 42, rateWindowMs: 10000, listingCount: 40 })
})

t.test('publicUrl keeps scheme, host, port and path only', async (t) => {
  t.equal(publicUrl('https://user:pass@api.example.com:8443/v1?token=x#f'), 'https://api.example.com:8443/v1')
  t.equal(publicUrl('https://api.hostaway.com/v1'), 'https://api.hostaway.com/v1')
  t.equal(publicUrl('not a url'), '(invalid URL)')
})
