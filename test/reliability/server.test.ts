import t from 'tap'
import { setTimeout as delay } from 'node:timers/promises'
import { generateData } from '../../sandbox/data.js'
import { startServer } from './child.js'

// server.ts as a process: the upstream decision, and the embedded sandbox's variables (config honesty)

t.test('production without credentials does not start: one line says what to set', async (t) => {
  const server = startServer(t, { NODE_ENV: 'production' })
  const { code } = await server.exit
  t.equal(code, 1)
  t.equal(server.stderr(), 'Invalid configuration: NODE_ENV=production without Hostaway credentials: set HOSTAWAY_ACCOUNT_ID and HOSTAWAY_API_KEY (or HOSTAWAY_SANDBOX=1 to serve the simulated sandbox on purpose)\n')
  t.notOk(server.logs.some((l) => /listening/.test(String(l.msg))), 'never listened')
})

t.test('HOSTAWAY_SANDBOX=1 in production embeds the sandbox, which honours every SANDBOX_* variable', async (t) => {
  const server = startServer(t, {
    NODE_ENV: 'production',
    HOSTAWAY_SANDBOX: '1',
    SANDBOX_ACCOUNT_ID: '777',
    SANDBOX_API_KEY: 'embedded-sb-key',
    SANDBOX_SEED: '7',
    SANDBOX_RATE_WINDOW_MS: '700',
    SANDBOX_LISTING_COUNT: '9'
  })
  const url = await server.url
  const health = await (await fetch(`${url}/health`)).json() as { upstream: string }
  t.equal(health.upstream, 'sandbox')
  const ready = await (await fetch(`${url}/ready`)).json() as { upstream: string, upstream_url: string }
  t.equal(ready.upstream, 'sandbox')
  t.match(ready.upstream_url, /^http:\/\/127\.0\.0\.1:\d+\/v1$/)
  t.ok(server.logs.some((l) => l.level === 40 && /embedded Hostaway SANDBOX/.test(String(l.msg))), 'a warning says so')

  // SANDBOX_LISTING_COUNT and SANDBOX_SEED: 9 listings, named as seed 7 names them
  const page = await (await fetch(`${url}/api/listings?limit=100`)).json() as { count: number, items: Array<{ id: number, name: string }> }
  t.equal(page.count, 9)
  const seven = generateData(7, new Date().toISOString().slice(0, 10), '777', 9).listings.get(1)
  const fortyTwo = generateData(42, new Date().toISOString().slice(0, 10), '777', 9).listings.get(1)
  t.equal(page.items[0].name, seven?.name)
  t.not(seven?.name, fortyTwo?.name, 'the seed makes a difference')

  // SANDBOX_ACCOUNT_ID and SANDBOX_API_KEY: the embedded sandbox accepts those, and refuses the defaults
  const sb = ready.upstream_url
  const token = async (id: string, secret: string) => fetch(`${sb}/accessTokens`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: id, client_secret: secret, scope: 'general' })
  })
  t.equal((await token('10000', 'sandbox-secret')).status, 403, 'the default credentials are refused')
  const issued = await token('777', 'embedded-sb-key')
  t.equal(issued.status, 200)
  const { access_token: bearer } = await issued.json() as { access_token: string }

  // SANDBOX_RATE_WINDOW_MS: the 16th request of a burst is refused (15 per IP), and 700 ms later there is room again
  const burst = await Promise.all(Array.from({ length: 16 }, () => fetch(`${sb}/listings/1`, { headers: { authorization: `Bearer ${bearer}` } })))
  t.ok(burst.some((r) => r.status === 429), 'the burst hit the sandbox limit')
  await delay(1500)
  t.equal((await fetch(`${sb}/listings/1`, { headers: { authorization: `Bearer ${bearer}` } })).status, 200, 'the window is 700 ms, not the default 10 s')

  server.kill('SIGTERM')
  t.same(await server.exit, { code: 0, signal: null })
})
