import t from 'tap'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { sandbox } from '../helper.js'
import { serve, type Item } from './helper.js'
import { sandboxUpstream } from '../fixtures/harness.js'

// JSON nested deeper than JSON.stringify can write back: the gateway takes no such body, caches no
// such upstream object, and one item it cannot write never fails a batch. Real HTTP both ways.

/** `{"a":{"a":…1…}}`, `levels` deep, as text (JSON.stringify itself could not write it). */
const nested = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`
const arrays = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`

const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }
const DEEP_ID = 6

/** Reservation `id` in its own answer and in every list page that holds it. */
const RESERVATION_READS = (method: string, url: string) => method === 'GET' && /^\/v1\/reservations(\/|\?|$)/.test(url)

/**
 * A Hostaway stand-in: the sandbox behind a proxy that adds a field `levels` deep to the object of
 * id `id` in the answers `which` selects (what a broken upstream could send).
 */
async function deepening (t: { teardown: (fn: () => unknown) => void }, target: string, id: number, levels: number, which = RESERVATION_READS): Promise<string> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const headers: Record<string, string> = {}
      for (const name of ['authorization', 'content-type']) if (typeof req.headers[name] === 'string') headers[name] = req.headers[name]
      fetch(`${target}${req.url ?? ''}`, { method: req.method, headers, ...(chunks.length === 0 ? {} : { body: Buffer.concat(chunks) }) }).then(async (upstream) => {
        let text = await upstream.text()
        if (which(req.method ?? '', req.url ?? '') && upstream.ok) {
          const body = JSON.parse(text) as { result: unknown }
          const mark = (o: unknown) => { if ((o as { id?: number } | null)?.id === id) (o as Record<string, unknown>).deep = '__DEEP__' }
          if (Array.isArray(body.result)) body.result.forEach(mark)
          else mark(body.result)
          text = JSON.stringify(body).replace('"__DEEP__"', arrays(levels))
        }
        res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' }).end(text)
      }, () => res.destroy())
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { server.closeAllConnections(); server.close() })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`
}

/** Log lines of a 500, or of a serializer that ran out of stack. */
const serverErrors = (logs: { entries: () => Array<Record<string, unknown>> }) =>
  logs.entries().filter((e) => e.status === 500 || /RangeError|call stack|not serializable/.test(JSON.stringify(e)))

t.test('/mcp: a JSON-RPC body nested 5,000 deep is a 400 in the error schema naming the limit, not a 500', async (t) => {
  const { url, logs } = await serve(t)
  const res = await fetch(`${url}/mcp`, { method: 'POST', headers: MCP_HEADERS, body: `{"jsonrpc":"2.0","id":1,"method":"ping","params":${nested(5000)}}` })
  t.equal(res.status, 400)
  t.match(await res.json(), { statusCode: 400, error_type: 'validation_error', message: 'body is nested deeper than 64 levels of objects and arrays (JSON_MAX_DEPTH)' })
  const rest = await fetch(`${url}/api/batch/listings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"ids":[1],"x":${nested(100_000)}}` })
  t.match(await rest.json(), { statusCode: 400, message: /JSON_MAX_DEPTH/ }, 'any route, before parsing')
  const ok = await fetch(`${url}/mcp`, { method: 'POST', headers: MCP_HEADERS, body: `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"_meta":${nested(60)}}}` })
  t.equal(ok.status, 200, 'within the limit: answered')
  t.same(serverErrors(logs), [], 'no 500 logged')
})

t.test('an upstream reservation nested 6,000 deep: its GET is a 502 upstream_error; a batch holding it answers 200, that item failed alone', async (t) => {
  const sb = await sandbox(t)
  const proxy = await deepening(t, sb.origin, DEEP_ID, 6000)
  const { url, logs } = await serve(t, { ...sandboxUpstream(sb), HOSTAWAY_BASE_URL: proxy })

  const one = await fetch(`${url}/api/bookings/${DEEP_ID}`)
  t.equal(one.status, 502)
  t.match(await one.json(), { error_type: 'upstream_error', message: `GET /reservations/${DEEP_ID} → HTTP 200: the result is nested deeper than 64 levels of objects and arrays (JSON_MAX_DEPTH)` })
  t.equal((await fetch(`${url}/api/bookings/5`)).status, 200, 'the others are served')

  for (const planner of ['on', 'off']) {
    const { url: gateway } = planner === 'on' ? { url } : await serve(t, { ...sandboxUpstream(sb), HOSTAWAY_BASE_URL: proxy, BATCH_PLANNER: 'off' })
    const res = await fetch(`${gateway}/api/batch/bookings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ids: [5, DEEP_ID, 7] }) })
    t.equal(res.status, 200, `planner ${planner}: the batch answers`)
    const batch = await res.json() as { successful: Item[], failed: Item[] }
    t.same(batch.successful.map((i) => i.data?.id), [5, 7], `planner ${planner}: the others succeed`)
    t.match(batch.failed, [{ index: 1, operation_id: String(DEEP_ID), error_type: 'upstream_error', retryable: false }], `planner ${planner}: the deep one fails alone`)
  }

  // the same batch as an MCP tool: a result, not an error
  const call = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: MCP_HEADERS,
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'batch_get_bookings', arguments: { ids: [5, DEEP_ID] } } })
  })
  const text = await call.text()
  const message = JSON.parse(text.split('\n').find((line) => line.startsWith('data: '))?.slice(6) ?? text) as { result: { isError?: boolean, structuredContent: { success_count: number, failed: Item[] } } }
  t.notOk(message.result.isError, 'the tool call succeeded')
  t.equal(message.result.structuredContent.success_count, 1)
  t.match(message.result.structuredContent.failed, [{ operation_id: String(DEEP_ID), error_type: 'upstream_error' }])
  t.same(serverErrors(logs), [], 'no 500 logged')
})

t.test('a listing update whose upstream answer is nested too deep: applied, not confirmed: outcome_unknown, alone', async (t) => {
  const sb = await sandbox(t)
  const proxy = await deepening(t, sb.origin, 3, 6000, (method, path) => method === 'PUT' && path === '/v1/listings/3')
  const { url, logs } = await serve(t, { ...sandboxUpstream(sb), HOSTAWAY_BASE_URL: proxy })
  const res = await fetch(`${url}/api/listings/batch`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ updates: [{ listing_id: 2, price: 222 }, { listing_id: 3, price: 333 }] }) })
  t.equal(res.status, 200)
  const batch = await res.json() as { successful: Item[], failed: Array<Item & { error: string }> }
  t.same(batch.successful.map((i) => i.data?.id), [2])
  t.match(batch.failed, [{ operation_id: '3', error_type: 'outcome_unknown', error: /nested deeper than 64 levels .*JSON_MAX_DEPTH.*the write may have been applied/ }])
  t.equal((await sb.stats()).requests.by_route['PUT /v1/listings/:id'], 2, 'each sent once: the answer came, it is not asked again')
  t.same(serverErrors(logs), [])
})

t.test('a webhook event nested too deep is refused (400); nothing of it reaches the cache', async (t) => {
  const { url, logs } = await serve(t, { HOSTAWAY_WEBHOOK_USER: 'hostaway', HOSTAWAY_WEBHOOK_PASSWORD: 'wh-pw' })
  const headers = { 'content-type': 'application/json', authorization: `Basic ${Buffer.from('hostaway:wh-pw').toString('base64')}` }
  const booking = await (await fetch(`${url}/api/bookings/5`)).json() as Record<string, unknown>
  const event = JSON.stringify({ object: 'reservation', event: 'reservation.updated', accountId: 10000, data: { ...booking, updatedOn: '2999-01-01 00:00:00', deep: '__DEEP__' } })
  const res = await fetch(`${url}/webhooks/hostaway`, { method: 'POST', headers, body: event.replace('"__DEEP__"', arrays(6000)) })
  t.equal(res.status, 400)
  t.match(await res.json(), { error_type: 'validation_error', message: /JSON_MAX_DEPTH/ })
  const after = await fetch(`${url}/api/bookings/5`)
  t.equal(after.status, 200)
  t.same(await after.json(), booking, 'the cached reservation is unchanged')
  t.same(serverErrors(logs), [])
})

t.test('JSON_MAX_DEPTH: the limit of bodies and of upstream answers', async (t) => {
  // a listing nests 3 levels (listingAmenities: [{ … }]); a lookup body 2 ({"ids":[1]})
  const { url } = await serve(t, { JSON_MAX_DEPTH: '2' })
  const post = (body: string) => fetch(`${url}/api/batch/listings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
  const deep = await post('{"ids":[[1]]}')
  t.equal(deep.status, 400)
  t.match(await deep.json(), { message: 'body is nested deeper than 2 levels of objects and arrays (JSON_MAX_DEPTH)' })
  const batch = await (await post('{"ids":[1]}')).json() as { failed: Item[] }
  t.match(batch.failed, [{ error_type: 'upstream_error' }], 'the body is taken; the listing is too deep for this limit')
  const one = await fetch(`${url}/api/listings/1`)
  t.equal(one.status, 502)
  t.match(await one.json(), { message: /nested deeper than 2 levels/ })

  const { url: roomy } = await serve(t, { JSON_MAX_DEPTH: '3' })
  t.equal((await fetch(`${roomy}/api/listings/1`)).status, 200, 'at the limit: served')
})
