import { test } from 'tap'
import { ProtocolError } from '@modelcontextprotocol/client'
import { keyId } from '../../services/auth.js'
import { loadConfig } from '../../services/config.js'
import { isError } from '../fixtures/error-body.js'
import { serve } from './helper.js'

const FULL = 'full-key-7c1e0a'
const READER = 'reader-key-93bd22'
const KEYS = { API_KEYS: `${FULL}, ${READER}:read` }
const listTools = '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'

async function errorBody (res: Response) {
  const body = await res.json() as unknown
  return { statusCode: res.status, json: () => body }
}

test('API_KEYS set: 401 in the error schema without a valid key; X-API-Key or Authorization: Bearer both work', async (t) => {
  const { post, connect, logs } = await serve(t, KEYS)

  for (const headers of [{}, { 'x-api-key': 'nope' }, { authorization: `Basic ${FULL}` }, { authorization: 'Bearer' }, { authorization: 'Bearer nope' }] as Array<Record<string, string>>) {
    const res = await post(listTools, headers)
    // RFC 6750: a Bearer challenge, `invalid_token` when a key was sent; no resource_metadata (no OAuth server to name)
    const sent = 'x-api-key' in headers || headers.authorization === 'Bearer nope'
    t.equal(res.headers.get('www-authenticate'), sent
      ? 'Bearer realm="hostaway-gateway", error="invalid_token", error_description="The API key is not valid"'
      : 'Bearer realm="hostaway-gateway"', `WWW-Authenticate for ${JSON.stringify(headers)}`)
    const body = isError(t, await errorBody(res), 401, /Missing or invalid API key: send X-API-Key: <key> or Authorization: Bearer <key>/)
    t.equal(body.error_type, 'unauthorized', JSON.stringify(headers))
  }
  await t.rejects(connect(), 'the SDK client cannot connect without a key')

  for (const headers of [{ 'x-api-key': FULL }, { authorization: `Bearer ${FULL}` }] as Array<Record<string, string>>) {
    const client = await connect({ headers })
    const { tools } = await client.listTools()
    t.equal(tools.length, 13, `${Object.keys(headers)[0]}: every tool`)
    t.notOk((await client.callTool({ name: 'get_listing', arguments: { listing_id: 1 } })).isError)
  }
  t.notMatch(logs.text, FULL, 'the key never reaches a log line')
  t.match(logs.entries().find((e) => e.msg === 'mcp tool call'), { caller: keyId(FULL) }, 'the caller is logged by key id')
})

test('a key without the write scope is not offered batch_update_listings, and cannot call it', async (t) => {
  const { connect, sandbox } = await serve(t, KEYS)
  const client = await connect({ headers: { 'x-api-key': READER } })
  const { tools } = await client.listTools()
  t.same(tools.map((tool) => tool.name).sort(), [
    'batch_get_bookings', 'batch_get_listings', 'get_booking', 'get_booking_messages', 'get_listing', 'get_listing_calendar', 'list_listings',
    'search_available_listings', 'search_bookings'
  ])
  t.match(client.getInstructions(), /Not offered to this API key: .*batch_update_listings \(needs the write scope\)/)
  t.match(client.getInstructions(), /batch_send_messages \(needs the messages scope\)/)

  const puts = (await sandbox.stats()).requests.by_route['PUT /v1/listings/:id'] ?? 0
  const err = await client.callTool({ name: 'batch_update_listings', arguments: { updates: [{ listing_id: 1, price: 1 }] } }).then(() => undefined, (e: unknown) => e)
  t.ok(err instanceof ProtocolError)
  t.match(err, { code: -32602, message: /Tool batch_update_listings not found/ })
  t.equal((await sandbox.stats()).requests.by_route['PUT /v1/listings/:id'] ?? 0, puts, 'nothing written')
  t.notOk((await client.callTool({ name: 'batch_get_listings', arguments: { ids: [1] } })).isError, 'reads still work')
})

test('Origin: browser pages from loopback may call /mcp, any other origin is 403 in the error schema', async (t) => {
  const { post } = await serve(t)
  for (const origin of ['http://localhost:6274', 'http://127.0.0.1:3000', 'http://[::1]:8080', 'https://app.localhost']) {
    t.equal((await post(listTools, { origin })).status, 200, `${origin} allowed`)
  }
  for (const origin of ['http://evil.example', 'http://localhost.evil.example', 'null', 'file://', 'http://127.0.0.2']) {
    const body = isError(t, await errorBody(await post(listTools, { origin })), 403, /may not call \/mcp/)
    t.equal(body.error_type, 'forbidden', origin)
  }
})

test('Origin is checked before the key: a rebinding page is refused even with a valid key', async (t) => {
  const { post } = await serve(t, KEYS)
  isError(t, await errorBody(await post(listTools, { origin: 'http://evil.example:3000', 'x-api-key': FULL })), 403)
  t.equal((await post(listTools, { origin: 'http://localhost:3000', 'x-api-key': FULL })).status, 200)
})

test('MCP_ALLOWED_ORIGINS: its origins may call /mcp besides loopback; entries that are not origins stop the start', async (t) => {
  const { post } = await serve(t, { MCP_ALLOWED_ORIGINS: 'https://agents.example.com, http://10.0.0.5:8080' })
  for (const origin of ['https://agents.example.com', 'https://AGENTS.example.com:443', 'http://10.0.0.5:8080', 'http://localhost:6274']) {
    t.equal((await post(listTools, { origin })).status, 200, `${origin} allowed`)
  }
  for (const origin of ['http://agents.example.com', 'https://agents.example.com:8443', 'https://evil.agents.example.com', 'http://10.0.0.5']) {
    isError(t, await errorBody(await post(listTools, { origin })), 403, /only pages served from localhost, 127\.0\.0\.1, \[::1\] or an origin of MCP_ALLOWED_ORIGINS may/)
  }
  const { post: strict } = await serve(t)
  isError(t, await errorBody(await strict(listTools, { origin: 'https://agents.example.com' })), 403, /may not call/)

  for (const [raw, why] of [['https://agents.example.com/mcp', 'nothing after it'], ['*', 'is not an origin'], ['ftp://files.example.com', 'nothing after it'], ['https://user:pw@agents.example.com', 'nothing after it']]) {
    t.throws(() => loadConfig({ MCP_ALLOWED_ORIGINS: raw }), new RegExp(`^Invalid configuration: MCP_ALLOWED_ORIGINS "${raw.replace(/[.*]/g, '\\$&')}" .*${why}`), raw)
  }
})

test('CORS: a page from an allowed origin gets a preflight 204 and Access-Control-Allow-Origin on every answer; any other origin gets none', async (t) => {
  const { url, post } = await serve(t, { ...KEYS, MCP_ALLOWED_ORIGINS: 'https://agents.example.com' })
  const preflight = (origin: string, requested = 'content-type, authorization, mcp-protocol-version') => fetch(url, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': requested }
  })

  for (const origin of ['http://localhost:6274', 'https://agents.example.com']) {
    const res = await preflight(origin, 'content-type, authorization, mcp-protocol-version, mcp-param-region')
    t.equal(res.status, 204, `${origin}: preflight allowed, without a key`)
    t.equal(res.headers.get('access-control-allow-origin'), origin)
    t.equal(res.headers.get('access-control-allow-methods'), 'GET, POST, DELETE, OPTIONS')
    const allowed = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/\s*,\s*/)
    for (const header of ['content-type', 'authorization', 'x-api-key', 'mcp-protocol-version', 'mcp-param-region']) t.ok(allowed.includes(header), `${origin}: ${header} allowed`)
    t.match(res.headers.get('vary'), /Origin/)
    t.equal(await res.text(), '')

    const answer = await post(listTools, { origin, 'x-api-key': FULL })
    t.equal(answer.status, 200)
    t.equal(answer.headers.get('access-control-allow-origin'), origin, `${origin}: the answer may be read by the page`)
    t.match(answer.headers.get('access-control-expose-headers'), /WWW-Authenticate/)
    const refused = await post(listTools, { origin })
    t.equal(refused.status, 401)
    t.equal(refused.headers.get('access-control-allow-origin'), origin, 'a 401 too, so the page can read its challenge')
    t.ok(refused.headers.get('www-authenticate'))
  }

  for (const origin of ['https://evil.example', 'http://agents.example.com']) {
    const res = await preflight(origin)
    t.equal(res.status, 403, `${origin}: preflight refused`)
    t.equal(res.headers.get('access-control-allow-origin'), null, `${origin}: no CORS header`)
    t.equal(res.headers.get('access-control-allow-methods'), null)
    t.match(await res.json(), { error_type: 'forbidden' })
  }

  const plain = await fetch(url, { method: 'OPTIONS' })
  t.equal(plain.status, 204, 'OPTIONS without an Origin: just the methods')
  t.equal(plain.headers.get('allow'), 'OPTIONS, POST')
  t.equal(plain.headers.get('access-control-allow-origin'), null)
  t.equal((await post(listTools, { 'x-api-key': FULL })).headers.get('access-control-allow-origin'), null, 'no Origin, no CORS header')
})
