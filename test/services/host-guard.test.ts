import { test } from 'tap'
import { createHostGuard, parseAllowedHosts } from '../../services/host-guard.js'
import { loadConfig } from '../../services/config.js'

const allowed = (guard: ReturnType<typeof createHostGuard>, host: string) => guard.hostRefusal(host) === undefined
const page = (guard: ReturnType<typeof createHostGuard>, origin: string, host = '127.0.0.1:3000') => guard.originRefusal(origin, host, '/api') === undefined

test('Host: loopback names, IP addresses, the host of PUBLIC_BASE_URL and ALLOWED_HOSTS; no other name', async (t) => {
  const open = createHostGuard({})
  for (const host of ['localhost', 'localhost:3000', 'LOCALHOST:3000', '127.0.0.1:3000', '[::1]:3000', 'app.localhost:5173', '10.0.0.5:3000', '192.168.1.20', '[fe80::1]:3000']) {
    t.ok(allowed(open, host), host)
  }
  for (const host of ['evil.example', 'evil.example:3000', 'localhost.evil.example', '127.0.0.1.nip.io:3000', 'gateway.example.com', '*', 'a@localhost', 'localhost/x', '', ' ']) {
    t.notOk(allowed(open, host), JSON.stringify(host))
  }
  t.match(open.hostRefusal('evil.example:3000'), /^Host "evil\.example:3000" is not a name of this gateway: .*ALLOWED_HOSTS.*DNS rebinding/)
  t.equal(open.hostRefusal(undefined), undefined, 'no Host (HTTP/1.0): not a browser')

  const named = createHostGuard({ publicBaseUrl: 'https://Gateway.Example.com/base', allowedHosts: 'gw.internal, hostaway-gateway' })
  for (const host of ['gateway.example.com', 'gateway.example.com:443', 'GW.internal:3000', 'hostaway-gateway:3000', 'localhost:3000']) t.ok(allowed(named, host), host)
  for (const host of ['example.com', 'evil.gateway.example.com', 'gw.internal.evil.example']) t.notOk(allowed(named, host), host)
})

test('Host verdicts are remembered (a client sends the same Host each time), and stay right past the memo\'s bound', async (t) => {
  const guard = createHostGuard({ allowedHosts: 'gw.internal' })
  for (let round = 0; round < 2; round++) {
    t.ok(allowed(guard, 'gw.internal:3000'), `round ${round}: allowed`)
    t.notOk(allowed(guard, 'evil.example:3000'), `round ${round}: refused`)
  }
  // far more distinct Hosts than are remembered: each still judged on its own
  for (let i = 0; i < 600; i++) {
    if (!allowed(guard, `10.0.${i >> 8}.${i & 255}:3000`)) t.fail(`10.0.${i >> 8}.${i & 255} refused`)
    if (allowed(guard, `evil${i}.example`)) t.fail(`evil${i}.example allowed`)
  }
  t.ok(allowed(guard, 'gw.internal:3000'))
  t.notOk(allowed(guard, 'evil599.example'))
})

test('Origin: pages of the named hosts, MCP_ALLOWED_ORIGINS, or the request\'s own origin when its Host is allowed', async (t) => {
  const guard = createHostGuard({ publicBaseUrl: 'https://gateway.example.com', allowedHosts: 'gw.internal', allowedOrigins: 'https://agents.example.com' })
  for (const origin of ['http://localhost', 'http://localhost:6274', 'https://127.0.0.1:8443', 'http://[::1]:3000', 'http://inspector.localhost:5173',
    'https://gateway.example.com', 'http://gw.internal:8080', 'https://agents.example.com']) {
    t.ok(page(guard, origin), origin)
  }
  for (const origin of ['http://evil.example', 'http://localhost.evil.example', 'http://127.0.0.1.nip.io', 'http://10.0.0.1', 'http://127.0.0.2',
    'http://agents.example.com', 'null', '', 'not a url', 'file:///tmp/x.html', 'chrome-extension://abc']) {
    t.notOk(page(guard, origin), JSON.stringify(origin))
  }
  // a page the gateway serves itself, reached by address (e.g. /docs at http://10.0.0.5:3000)
  t.ok(page(guard, 'http://10.0.0.5:3000', '10.0.0.5:3000'))
  t.notOk(page(guard, 'http://10.0.0.5:3001', '10.0.0.5:3000'), 'another port is another origin')
  // a rebound page: its Origin is its Host, which is not a name of the gateway
  t.notOk(page(guard, 'http://evil.example:3000', 'evil.example:3000'))
  t.match(guard.originRefusal('http://evil.example', '127.0.0.1:3000', '/mcp'), /^Origin http:\/\/evil\.example may not call \/mcp: only pages served from localhost/)
  t.equal(guard.originRefusal(undefined, 'evil.example', '/api'), undefined, 'no Origin: not a script of a page')
})

test('ALLOWED_HOSTS: bare host names or addresses; anything else stops the start', async (t) => {
  t.same([...parseAllowedHosts(' Gateway.Example.com , 10.0.0.5, [::1],gw_1 ')], ['gateway.example.com', '10.0.0.5', '[::1]', 'gw_1'])
  for (const raw of ['https://gateway.example.com', 'gateway.example.com:443', 'gw:8080', '*', '*.example.com', 'a/b', 'user@host']) {
    t.throws(() => loadConfig({ ALLOWED_HOSTS: raw }), /^Invalid configuration: ALLOWED_HOSTS ".*" is not a host name .*\(entries: host names or addresses\)$/, raw)
  }
})
