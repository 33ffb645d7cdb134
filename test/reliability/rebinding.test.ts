import t from 'tap'
import { serve, upstreamCount } from './helper.js'
import { send } from './raw-http.js'

// DNS rebinding, over real HTTP: a page on evil.example whose name now points at this machine
// sends `Host: evil.example:PORT` and `Origin: http://evil.example:PORT`. While API_KEYS is unset
// the routes that would need a key (/api/*, /mcp, /metrics) refuse it (services/host-guard.ts).

const PUTS = /^PUT \/v1\/listings\/:id$/
const port = (url: string) => new URL(url).port

t.test('API_KEYS unset: a rebound page reads no door code and writes no price (403 in the error schema)', async (t) => {
  const { url, sandbox: sb } = await serve(t)
  const evil = { host: `evil.example:${port(url)}`, origin: `http://evil.example:${port(url)}` }

  const read = await send(url, { path: '/api/listings/1', headers: evil })
  t.equal(read.status, 403)
  t.match(read.body, { statusCode: 403, error: 'Forbidden', error_type: 'forbidden', message: /^Host "evil\.example:\d+" is not a name of this gateway: .*ALLOWED_HOSTS/ })
  t.notOk('doorSecurityCode' in read.body, 'no listing in the answer')

  const write = await send(url, { method: 'PATCH', path: '/api/listings/batch', headers: evil, body: { updates: [{ listing_id: 1, price: 1 }] } })
  t.equal(write.status, 403)
  t.equal(write.body.error_type, 'forbidden')
  t.equal(upstreamCount((await sb.stats()).requests.by_route, PUTS), 0, 'nothing written')

  for (const path of ['/api/listings?limit=1', '/api/bookings/1', '/metrics']) {
    t.equal((await send(url, { path, headers: evil })).status, 403, path)
  }
  const mcp = await send(url, { method: 'POST', path: '/mcp', headers: { host: evil.host, accept: 'application/json, text/event-stream' }, body: { jsonrpc: '2.0', id: 1, method: 'tools/list' } })
  t.equal(mcp.status, 403, '/mcp: the Host rule too, without an Origin')

  // a page elsewhere calling the gateway by its loopback name: Host is fine, its Origin is not
  const crossSite = await send(url, { path: '/api/listings/1', headers: { origin: 'http://evil.example' } })
  t.equal(crossSite.status, 403)
  t.match(crossSite.body.message, /^Origin http:\/\/evil\.example may not call \/api\/listings\/1: only pages served from localhost/)
})

t.test('API_KEYS unset: loopback names, IP addresses and pages of this gateway are served; health, docs and webhooks are not covered', async (t) => {
  const { url } = await serve(t, { HOSTAWAY_WEBHOOK_USER: 'hostaway', HOSTAWAY_WEBHOOK_PASSWORD: 'wh-pw' })
  for (const host of [`127.0.0.1:${port(url)}`, `localhost:${port(url)}`, `[::1]:${port(url)}`, 'app.localhost', '10.1.2.3:3000']) {
    t.equal((await send(url, { path: '/api/listings/1', headers: { host } })).status, 200, host)
  }
  t.equal((await send(url, { path: '/api/listings/1', headers: { host: `localhost:${port(url)}`, origin: 'http://localhost:5173' } })).status, 200, 'a loopback page')
  t.equal((await send(url, { path: '/api/listings/1', headers: { host: '10.1.2.3:3000', origin: 'http://10.1.2.3:3000' } })).status, 200, 'a page of the gateway itself, by address')
  const evil = { host: 'evil.example' }
  for (const path of ['/health', '/ready', '/openapi.json', '/docs/']) {
    t.equal((await send(url, { path, headers: evil })).status, 200, `${path}: no data, open as with API_KEYS set`)
  }
  const basic = `Basic ${Buffer.from('hostaway:wh-pw').toString('base64')}`
  const webhook = await send(url, { method: 'POST', path: '/webhooks/hostaway', headers: { ...evil, authorization: basic }, body: { data: 'test' } })
  t.same(webhook.body, { received: true, action: 'ignored' }, 'webhooks: their own Basic credentials, whatever the Host')
})

t.test('PUBLIC_BASE_URL\'s host and ALLOWED_HOSTS are names of the gateway', async (t) => {
  const { url } = await serve(t, { PUBLIC_BASE_URL: 'https://gateway.example.com/hostaway', ALLOWED_HOSTS: 'gw.internal, hostaway-gateway' })
  for (const host of ['gateway.example.com', 'gw.internal:3000', 'hostaway-gateway:3000']) {
    t.equal((await send(url, { path: '/api/listings/1', headers: { host } })).status, 200, host)
  }
  t.equal((await send(url, { path: '/api/listings/1', headers: { host: 'gateway.example.com', origin: 'https://gateway.example.com' } })).status, 200, 'its own pages')
  t.equal((await send(url, { path: '/api/listings/1', headers: { host: 'evil.example' } })).status, 403)
  t.equal((await send(url, { path: '/api/listings/1', headers: { origin: 'https://evil.gateway.example.com' } })).status, 403)
})

t.test('API_KEYS set: the key is the defence; any Host with a valid key, none without', async (t) => {
  const { url } = await serve(t, { API_KEYS: 'rebind-key' })
  t.equal((await send(url, { path: '/api/listings/1', headers: { host: 'evil.example', 'x-api-key': 'rebind-key' } })).status, 200)
  t.equal((await send(url, { path: '/api/listings/1', headers: { host: 'evil.example' } })).status, 401)
})
