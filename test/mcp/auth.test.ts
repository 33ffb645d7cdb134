import { test } from 'tap'
import { ProtocolError } from '@modelcontextprotocol/client'
import { keyId } from '../../services/auth.js'
import { loadConfig } from '../../services/config.js'
import { isError } from '../routes/api/fixtures.js'
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

  for (const headers of [{}, { 'x-api-key': 'nope' }, { authorization: `Basic ${FULL}` }, { authorization: 'Bearer' }] as Array<Record<string, string>>) {
    const body = isError(t, await errorBody(await post(listTools, headers)), 401, /Missing or invalid API key: send X-API-Key: <key> or Authorization: Bearer <key>/)
    t.equal(body.error_type, 'unauthorized', JSON.stringify(headers))
  }
  await t.rejects(connect(), 'the SDK client cannot connect without a key')

  for (const headers of [{ 'x-api-key': FULL }, { authorization: `Bearer ${FULL}` }] as Array<Record<string, string>>) {
    const client = await connect({ headers })
    const { tools } = await client.listTools()
    t.equal(tools.length, 9, `${Object.keys(headers)[0]}: every tool`)
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
    'batch_get_bookings', 'batch_get_listings', 'get_booking', 'get_booking_messages', 'get_listing', 'get_listing_calendar', 'list_listings', 'search_bookings'
  ])
  t.match(client.getInstructions(), /Not offered to this API key: batch_update_listings \(needs the write scope\)/)

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
