import { test } from 'tap'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import type { Client } from '@modelcontextprotocol/client'
import { rpc, serve, texts } from './helper.js'

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020

const TOOLS = [
  'list_listings', 'get_listing', 'get_listing_calendar', 'search_bookings', 'get_booking',
  'get_booking_messages', 'batch_get_listings', 'batch_get_bookings', 'batch_update_listings',
  'search_available_listings', 'batch_update_calendar', 'batch_send_messages', 'batch_update_bookings'
]

/** The annotations of each kind of tool: reads, writes of absolute values, and sending messages (neither destructive nor idempotent). */
const WRITE_ANNOTATIONS = { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true }
const ANNOTATIONS: Record<string, object> = {
  batch_update_listings: WRITE_ANNOTATIONS,
  batch_update_calendar: WRITE_ANNOTATIONS,
  batch_update_bookings: WRITE_ANNOTATIONS,
  batch_send_messages: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true }
}

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10)

/** An independent JSON Schema engine, strict (no unknown keyword, no `example`): a tool schema must compile here on its own. */
function strictAjv () {
  return addFormats(new Ajv2020({ strict: true, allErrors: true }))
}

/** Every object schema in `schema` whose `required` names a property with a default (the server fills it in: it is optional). */
function defaultedRequired (schema: unknown, path = '#'): string[] {
  if (schema === null || typeof schema !== 'object') return []
  const node = schema as { required?: string[], properties?: Record<string, { default?: unknown }> }
  const here = (node.required ?? []).filter((name) => node.properties?.[name]?.default !== undefined).map((name) => `${path}/properties/${name}`)
  return [...here, ...Object.entries(schema).flatMap(([key, value]) => defaultedRequired(value, `${path}/${key}`))]
}

async function outputSchemas (client: Client) {
  const { tools } = await client.listTools()
  return new Map(tools.map((tool) => [tool.name, tool.outputSchema]))
}

for (const modern of [false, true]) {
  const era = modern ? '2026-07-28 client' : '2025 client'
  test(`tools/list (${era}): every tool, with self-contained strict-valid schemas and annotations`, async (t) => {
    const { connect } = await serve(t)
    const client = await connect({ modern })
    const { tools } = await client.listTools()
    t.same(tools.map((tool) => tool.name), TOOLS)
    const ajv = strictAjv()
    for (const tool of tools) {
      t.ok((tool.description ?? '').length > 80, `${tool.name} has a description written for an agent`)
      t.equal(tool.inputSchema.type, 'object', `${tool.name} input is an object`)
      t.equal(tool.outputSchema?.type, 'object', `${tool.name} output is an object`)
      const json = JSON.stringify([tool.inputSchema, tool.outputSchema])
      t.notMatch(json, /"\$id"/, `${tool.name}: no $id left`)
      t.same([...json.matchAll(/"\$ref":"([^"]*)"/g)].filter((m) => !m[1].startsWith('#/$defs/')).map((m) => m[1]), [], `${tool.name}: only local $refs (#/$defs/…)`)
      t.notMatch(json, /"example"/, `${tool.name}: JSON Schema's examples, never OpenAPI's example`)
      t.doesNotThrow(() => ajv.compile(tool.inputSchema), `${tool.name} input schema compiles in Ajv 2020 strict mode`)
      t.doesNotThrow(() => ajv.compile(tool.outputSchema ?? {}), `${tool.name} output schema compiles in Ajv 2020 strict mode`)
      t.same(defaultedRequired(tool.inputSchema), [], `${tool.name}: no argument with a default is required`)
      t.same(tool.annotations, ANNOTATIONS[tool.name] ?? { readOnlyHint: true, openWorldHint: true }, `${tool.name} annotations`)
    }
    const validates = (name: string, args: object) => ajv.validate(tools.find((tool) => tool.name === name)?.inputSchema ?? false, args)
    for (const name of ['list_listings', 'search_bookings']) t.ok(validates(name, {}), `${name}: {} is valid (limit and offset have defaults)`)
    t.notOk(validates('get_listing', {}), 'get_listing: listing_id is required')
    // #25: under 24 000 characters (~6K tokens) for 13 tools — compact output shapes, bounds said once per update item
    const listed = JSON.stringify(await client.listTools()).length
    t.ok(listed < 24_000, `tools/list stays under 24 000 characters (${listed})`)
    const batch = tools.find((tool) => tool.name === 'batch_get_listings')
    t.match(batch?.inputSchema, { required: ['ids'], additionalProperties: false, properties: { ids: { maxItems: 100, items: { type: 'integer', minimum: 1 } } } },
      'the REST body schema, BATCH_MAX_ITEMS included')
    t.match(batch?.inputSchema, { properties: { timeout_ms: { description: /default 30000\)/ } } }, 'timeout_ms says its default as a value')
  })
}

test('every tool answers over real HTTP: a result valid against its output schema, a summary, the same data as the REST route (every field)', async (t) => {
  const { app, connect } = await serve(t)
  const client = await connect()
  const schemas = await outputSchemas(client)
  const ajv = strictAjv()
  const rest = async (url: string, method: 'GET' | 'POST' = 'GET', payload?: object) => (await app.inject({ method, url, ...(payload === undefined ? {} : { payload }) })).json()
  const start = day(0)
  const end = day(6)

  // a batch item's `attempts` depends on the cache (the REST call comes second): compare the items' data;
  // `fields: ["*"]` where a tool's default is the compact set (test/mcp/results.test.ts)
  const items = (body: unknown) => (body as { successful: Array<{ data: unknown }> }).successful.map((s) => s.data)
  const cases: Array<{ name: string, args: Record<string, unknown>, summary: RegExp, same?: () => Promise<unknown>, view?: (body: unknown) => unknown }> = [
    { name: 'list_listings', args: { limit: 5, city: 'Rome', fields: ['*'] }, summary: /^\d+ of \d+ listings \(offset 0\)/, same: () => rest('/api/listings?limit=5&city=Rome') },
    { name: 'get_listing', args: { listing_id: 1 }, summary: /^Listing 1: Cozy villa/, same: () => rest('/api/listings/1') },
    { name: 'get_listing_calendar', args: { listing_id: 2, start_date: start, end_date: end, fields: ['*'] }, summary: /^Calendar of listing 2 from .* 7 days, \d+ available\.$/, same: () => rest(`/api/listings/2/calendar?start_date=${start}&end_date=${end}`) },
    { name: 'search_bookings', args: { listing_id: 1, limit: 3, fields: ['*'] }, summary: /^\d+ of \d+ bookings/, same: () => rest('/api/bookings?listing_id=1&limit=3') },
    { name: 'get_booking', args: { booking_id: 1 }, summary: /^Booking 1: listing \d+, \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d.*status/, same: () => rest('/api/bookings/1') },
    { name: 'get_booking_messages', args: { booking_id: 1, fields: ['*'] }, summary: /^\d+ messages? of booking 1, oldest first\.$/, same: () => rest('/api/bookings/1/messages') },
    { name: 'batch_get_listings', args: { ids: [3, 4], fields: ['*'] }, summary: /^Looked up 2 listings: 2 succeeded, 0 failed\.$/, same: () => rest('/api/batch/listings', 'POST', { ids: [3, 4] }), view: items },
    { name: 'batch_get_bookings', args: { ids: [2, 3], fields: ['*'] }, summary: /^Looked up 2 bookings: 2 succeeded, 0 failed\.$/, same: () => rest('/api/batch/bookings', 'POST', { ids: [2, 3] }), view: items },
    { name: 'batch_update_listings', args: { updates: [{ listing_id: 9, price: 321 }] }, summary: /^Updated 1 listing: 1 succeeded, 0 failed\.\nFields: id, name, city, /, view: items },
    { name: 'search_available_listings', args: { start_date: day(200), end_date: day(202), guests: 2, limit: 5, fields: ['*'] }, summary: /^\d+ of \d+ available listings \(offset 0\)/, same: () => rest(`/api/listings/available?start_date=${day(200)}&end_date=${day(202)}&guests=2&limit=5`) },
    { name: 'batch_update_calendar', args: { updates: [{ listing_id: 8, start_date: day(300), end_date: day(301), price: 222 }, { listing_id: 8, start_date: day(310), end_date: day(302), price: 1 }] }, summary: /^Updated 2 calendar ranges: 1 succeeded, 1 failed\.\nFailed, by category:\n- validation_error: 8\/1 \(not retryable\)/ },
    { name: 'batch_send_messages', args: { idempotency_key: 'mcp-send-1', messages: [{ booking_id: 5, body: 'Hello from the agent' }, { booking_id: 999999, body: 'Hello' }] }, summary: /^Sent 2 messages: 1 succeeded, 1 failed\.\nFailed, by category:\n- not_found: 999999/ },
    { name: 'batch_update_bookings', args: { updates: [{ booking_id: 6, hostNote: 'from the agent' }], dry_run: true }, summary: /^Dry run: 1 items, 1 valid, 0 invalid; would make 2 upstream calls \(1 write\), the earliest finish in [\d.]+ s\. Nothing was sent\.$/ }
  ]
  t.same(cases.map((c) => c.name), TOOLS, 'every tool is called')

  for (const { name, args, summary, same, view = (body: unknown) => body } of cases) {
    const result = await client.callTool({ name, arguments: args })
    t.notOk(result.isError, `${name} succeeded`)
    const [text, json] = texts(result as never)
    t.match(text, summary, `${name} summary: ${text}`)
    t.same(JSON.parse(json), result.structuredContent, `${name}: the result as JSON text too, for clients that ignore structuredContent`)
    const validate = ajv.compile(schemas.get(name) ?? {})
    t.ok(validate(result.structuredContent), `${name} result validates against its output schema ${JSON.stringify(validate.errors)}`)
    if (same !== undefined) t.same(view(result.structuredContent), view(await same()), `${name}: the same answer as the REST route`)
  }

  const updated = await client.callTool({ name: 'get_listing', arguments: { listing_id: 9 } })
  t.equal((updated.structuredContent as { price: number }).price, 321, 'the update reached Hostaway (the sandbox)')
  const days = await rest(`/api/listings/8/calendar?start_date=${day(300)}&end_date=${day(301)}`)
  t.same(days.items.map((d: { price: number }) => d.price), [222, 222], 'the calendar range reached Hostaway')
  const messages = await rest('/api/bookings/5/messages')
  t.equal(messages.items.filter((m: { body: string }) => m.body === 'Hello from the agent').length, 1, 'the message was sent once')
  t.notOk((await rest('/api/bookings/6')).hostNote === 'from the agent', 'the dry run wrote nothing')
})

test('one path to Hostaway: a listing the REST route fetched is served to the tool from the same cache', async (t) => {
  const { app, sandbox, connect } = await serve(t)
  const client = await connect()
  const calls = async () => (await sandbox.stats()).requests.by_route['GET /v1/listings/:id'] ?? 0
  t.equal((await app.inject('/api/listings/7')).statusCode, 200)
  const before = await calls()
  const result = await client.callTool({ name: 'get_listing', arguments: { listing_id: 7 } })
  t.equal((result.structuredContent as { id: number }).id, 7)
  t.equal(await calls(), before, 'no second upstream call: the tool went through the REST route\'s client and cache')
})

test('a tool call is logged with the request id and the caller id', async (t) => {
  const { logs, post } = await serve(t)
  const res = await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'get_listing', arguments: { listing_id: 1 } } }), { 'x-request-id': 'mcp-req-1' })
  t.equal(res.status, 200)
  t.equal(res.headers.get('x-request-id'), 'mcp-req-1', 'the request id is echoed on the transport\'s answer too')
  t.equal((await rpc(res)).result?.isError, undefined)
  const entry = logs.entries().find((e) => e.msg === 'mcp tool call')
  t.match(entry, { level: 30, tool: 'get_listing', caller: 'open', request_id: 'mcp-req-1' })
})
