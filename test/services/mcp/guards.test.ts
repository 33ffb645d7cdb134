import { test } from 'tap'
import { apiKeyOf } from '../../../services/auth.js'
import { isAllowedOrigin } from '../../../services/mcp/guards.js'

test('isAllowedOrigin: loopback pages only', async (t) => {
  for (const origin of ['http://localhost', 'http://localhost:6274', 'https://127.0.0.1:8443', 'http://[::1]:3000', 'http://inspector.localhost:5173']) {
    t.ok(isAllowedOrigin(origin), origin)
  }
  for (const origin of ['http://evil.example', 'http://localhost.evil.example', 'http://127.0.0.1.nip.io', 'http://10.0.0.1', 'null', '', 'not a url', 'file:///tmp/x.html', 'chrome-extension://abc']) {
    t.notOk(isAllowedOrigin(origin), JSON.stringify(origin))
  }
})

test('apiKeyOf: X-API-Key first, else a Bearer token', async (t) => {
  t.equal(apiKeyOf({ 'x-api-key': 'k1' }), 'k1')
  t.equal(apiKeyOf({ authorization: 'Bearer k2' }), 'k2')
  t.equal(apiKeyOf({ authorization: 'bearer   k3 ' }), 'k3', 'scheme is case-insensitive')
  t.equal(apiKeyOf({ 'x-api-key': 'k1', authorization: 'Bearer k2' }), 'k1')
  t.equal(apiKeyOf({ 'x-api-key': '', authorization: 'Bearer k2' }), 'k2')
  for (const authorization of ['Basic k4', 'Bearer', 'Bearer a b', 'k5']) t.equal(apiKeyOf({ authorization }), undefined, authorization)
  t.equal(apiKeyOf({}), undefined)
})
