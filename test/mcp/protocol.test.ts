import { test } from 'tap'
import { ProtocolError } from '@modelcontextprotocol/client'
import { isError as isErrorBody } from '../fixtures/error-body.js'
import { rpc, serve, texts } from './helper.js'

const call = (name: string, args: unknown) => JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name, arguments: args } })

test('bad arguments: an isError result naming the argument, nothing sent upstream', async (t) => {
  const { connect, sandbox } = await serve(t)
  const client = await connect()
  const upstream = async () => (await sandbox.stats()).requests.total
  const before = await upstream()
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['batch_get_listings', { ids: ['1'] }, /arguments\/ids\/0 must be integer/],
    ['batch_get_listings', { ids: [1, 0] }, /arguments\/ids\/1 must be >= 1/],
    ['batch_get_listings', { ids: [] }, /arguments\/ids must NOT have fewer than 1 items/],
    ['batch_get_listings', { ids: [1], guest: 'x' }, /arguments\/guest is not an allowed field/],
    ['get_listing', {}, /arguments\/listing_id is required/],
    ['get_listing', { listing_id: 1.5 }, /arguments\/listing_id must be integer/],
    ['list_listings', { limit: 500 }, /arguments\/limit must be <= 100/],
    ['search_bookings', { status: 'paid' }, /arguments\/status must be equal to one of the allowed values/],
    ['get_listing_calendar', { listing_id: 1, start_date: '2027-02-30', end_date: '2027-03-01' }, /arguments\/start_date must match format "date"/],
    ['batch_update_listings', { updates: [{ listing_id: 1 }] }, /arguments\/updates\/0 has nothing to change: give at least one field to change besides its id/],
    ['batch_update_listings', { updates: [{ listing_id: 1, price: 1 }], idempotency_key: 'has space' }, /arguments\/idempotency_key must match pattern/]
  ]
  for (const [name, args, message] of cases) {
    const result = await client.callTool({ name, arguments: args })
    t.equal(result.isError, true, `${name} ${JSON.stringify(args)} is refused`)
    t.match(texts(result as never)[0], message)
  }
  t.equal(await upstream(), before, 'no upstream call for a refused argument')
})

test('rules a schema cannot express are refused by the operation, in tool terms', async (t) => {
  const { connect } = await serve(t)
  const client = await connect()
  const reversed = await client.callTool({ name: 'get_listing_calendar', arguments: { listing_id: 1, start_date: '2027-03-10', end_date: '2027-03-01' } })
  t.equal(reversed.isError, true)
  t.match(texts(reversed as never)[0], /^get_listing_calendar failed: validation_error \(HTTP 400\): arguments\/end_date must not be before start_date/)
  const tooLong = await client.callTool({ name: 'get_listing_calendar', arguments: { listing_id: 1, start_date: '2027-01-01', end_date: '2028-06-01' } })
  t.match(texts(tooLong as never)[0], /arguments\/end_date must be at most 366 days from start_date/)
})

test('an item that fails as a whole: isError with the category, retryability and what to do', async (t) => {
  const { connect, sandbox } = await serve(t, { HOSTAWAY_MAX_RETRIES: '0' })
  await sandbox.setFaults({ fail_ids: { 503: [5] } })
  const client = await connect()
  const missing = await client.callTool({ name: 'get_booking', arguments: { booking_id: 999999 } })
  t.equal(missing.isError, true)
  t.match(texts(missing as never)[0], /^get_booking failed: not_found \(HTTP 404\): .*\nNot retryable as is\.\nCheck the id/)
  const outage = await client.callTool({ name: 'get_listing', arguments: { listing_id: 5 } })
  t.equal(outage.isError, true)
  t.match(texts(outage as never)[0], /^get_listing failed: upstream_error \(HTTP 502\).*\nRetryable: call get_listing again/)
})

test('an unknown tool is the protocol\'s invalid-params error, the server keeps serving', async (t) => {
  const { connect } = await serve(t)
  const client = await connect()
  const err = await client.callTool({ name: 'delete_everything', arguments: {} }).then(() => undefined, (e: unknown) => e)
  t.ok(err instanceof ProtocolError, 'a JSON-RPC error, not a result')
  t.match(err, { code: -32602, message: /Tool delete_everything not found/ })
  t.notOk((await client.callTool({ name: 'get_listing', arguments: { listing_id: 1 } })).isError, 'still serving')
})

test('malformed JSON-RPC gets the protocol\'s errors; a body that is not JSON gets the gateway\'s 400; never a 500', async (t) => {
  const { post, logs } = await serve(t)

  for (const body of ['{"foo":1}', '42', '[]', '{"jsonrpc":"1.0","id":1,"method":"tools/list"}']) {
    const res = await post(body)
    t.equal(res.status, 400, `${body}: 400`)
    t.match(await rpc(res), { jsonrpc: '2.0', error: { code: -32600, message: /Bad Request: .*JSON-RPC/ } })
  }

  const unknownMethod = await rpc(await post('{"jsonrpc":"2.0","id":3,"method":"tools/destroy"}'))
  t.match(unknownMethod, { id: 3, error: { code: -32601, message: 'Method not found' } })

  const noParams = await rpc(await post('{"jsonrpc":"2.0","id":4,"method":"tools/call"}'))
  t.match(noParams, { id: 4, error: { code: -32602 } }, 'tools/call without params')

  // params of the wrong shape: one line saying what to send, not the SDK's multi-line dump of its schema issues
  for (const [args, what] of [[[1], 'an array'], [null, 'null'], ['x', 'a string']] as const) {
    const answer = await rpc(await post(call('get_listing', args)))
    t.same(answer, { jsonrpc: '2.0', id: 7, error: { code: -32602, message: `Invalid params: params/arguments must be an object of the tool's arguments (or left out), not ${what}` } }, `arguments ${JSON.stringify(args)}`)
  }
  t.match(await rpc(await post('{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"arguments":{}}}')), { id: 8, error: { code: -32602, message: 'Invalid params: params/name is required: the name of the tool to call' } })
  t.match(await rpc(await post('{"jsonrpc":"2.0","id":9,"method":"tools/call","params":[]}')), { id: 9, error: { code: -32602, message: 'Invalid params: params must be an object { name, arguments }, not an array' } })
  t.match(await rpc(await post(JSON.stringify({ jsonrpc: '2.0', id: 10, method: 'tools/call', params: { name: 'get_listing' } }))), { id: 10, result: { isError: true } }, 'arguments left out: the tool validates its own ({} lacks listing_id)')

  for (const body of ['{"jsonrpc":', '', 'nul']) {
    const res = await post(body)
    t.equal(res.status, 400, `${JSON.stringify(body)}: 400`)
    t.match(await res.json(), { statusCode: 400, error_type: 'validation_error' }, 'the ErrorResponse body')
  }

  const notes = await post('{"jsonrpc":"2.0","method":"notifications/initialized"}')
  t.equal(notes.status, 202, 'a notification is accepted without a body')

  t.notOk(logs.entries().some((e) => (e.level as number) >= 50), 'nothing logged as an error')
  t.equal((await post(call('get_listing', { listing_id: 2 }))).status, 200, 'still serving')
})

test('HTTP rules of the transport: Accept, content type, methods', async (t) => {
  const { post, url } = await serve(t)
  const listTools = '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'

  const noSse = await post(listTools, { accept: 'application/json' })
  t.equal(noSse.status, 406, 'a POST that does not accept text/event-stream')
  t.match(await rpc(noSse), { error: { message: /Not Acceptable/ } })

  const text = await post(listTools, { 'content-type': 'text/plain' })
  const body = await text.json() as unknown
  isErrorBody(t, { statusCode: text.status, json: () => body }, 415, /must be application\/json/)
  t.match(body, { error_type: 'validation_error' })

  for (const method of ['GET', 'DELETE']) {
    const res = await fetch(url, { method, headers: { accept: 'text/event-stream' } })
    t.equal(res.status, 405, `${method}: stateless, nothing to stream or end`)
    t.equal(res.headers.get('allow'), 'OPTIONS, POST')
    t.match(await res.json(), { statusCode: 405, error_type: 'method_not_allowed', message: new RegExp(`${method} /mcp is not supported`) })
  }
  const put = await fetch(url, { method: 'PUT', body: '{}', headers: { 'content-type': 'application/json' } })
  t.equal(put.status, 405, 'a method no route takes: 405 too, not 404')
  t.equal(put.headers.get('allow'), 'OPTIONS, POST', 'Allow leaves out GET and DELETE, which only refuse')
  t.match(await put.json(), { error_type: 'method_not_allowed', message: 'PUT is not allowed on /mcp: it takes OPTIONS, POST' })
})
