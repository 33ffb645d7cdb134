import { test } from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { serve, rpc } from './helper.js'

const LISTING_GETS = 'GET /v1/listings/:id'

for (const modern of [false, true]) {
  test(`progress (${modern ? '2026-07-28' : '2025'} client): one notification per settled id of a batch, before the result`, async (t) => {
    const { connect } = await serve(t, { BATCH_PLANNER: 'off', BATCH_CONCURRENCY: '2' })
    const client = await connect({ modern })
    const seen: Array<{ progress: number, total?: number, message?: string }> = []
    const result = await client.callTool({ name: 'batch_get_listings', arguments: { ids: [1, 2, 3, 2, 999999] } }, { onprogress: (p) => seen.push(p) })
    t.match(result.structuredContent, { total_count: 5, success_count: 4 })
    t.same(seen.map((p) => [p.progress, p.total]), [[1, 4], [2, 4], [3, 4], [4, 4]], 'the 4 distinct ids (a duplicate is one call), in order')
    t.equal(seen[3].message, '4 of 4 items settled')
  })
}

test('progress: none without a progressToken; none for a single-item tool', async (t) => {
  const { post } = await serve(t)
  const call = (name: string, args: object, meta?: object) => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args, ...(meta === undefined ? {} : { _meta: meta }) } })
  const events = async (body: string) => (await (await post(body)).text()).split('\n').filter((line) => line.startsWith('data: '))
  t.equal((await events(call('batch_get_listings', { ids: [1, 2] }))).length, 1, 'the result only')
  const withToken = await events(call('batch_get_listings', { ids: [1, 2] }, { progressToken: 'p-7' }))
  t.equal(withToken.length, 3, 'two notifications, then the result')
  t.match(JSON.parse(withToken[0].slice(6)), { method: 'notifications/progress', params: { progressToken: 'p-7', progress: 1, total: 2 } })
  t.equal((await events(call('get_listing', { listing_id: 1 }, { progressToken: 'p-8' }))).length, 1, 'a single item: the result only')
})

test('cancellation is closing the request (what a 2026-07-28 client does): the batch stops, items not started are never sent', async (t) => {
  // one item at a time; listing 6 never answers, so the call is still running when the client gives up
  const { connect, sandbox, logs } = await serve(t, { BATCH_CONCURRENCY: '1', BATCH_PLANNER: 'off', HOSTAWAY_TIMEOUT_MS: '20000' })
  await sandbox.setFaults({ fail_ids: { hang: [6] } })
  const client = await connect({ modern: true })
  const gets = async () => (await sandbox.stats()).requests.by_route[LISTING_GETS] ?? 0
  const abort = new AbortController()
  const call = client.callTool({ name: 'batch_get_listings', arguments: { ids: [6, 7, 8], timeout_ms: 60_000 } }, { signal: abort.signal })
  call.catch(() => {})
  while (await gets() === 0) await sleep(20)
  abort.abort()
  await t.rejects(call, 'the client gave up')
  // the gateway notices the closed request and ends the batch as at its deadline
  while (!logs.entries().some((e) => e.msg === 'mcp tool call' && e.tool === 'batch_get_listings')) await sleep(20)
  t.equal(await gets(), 1, 'only listing 6 was ever sent: 7 and 8 were not started')
  const failed = logs.entries().filter((e) => e.msg === 'batch item failed').map((e) => [e.operation_id, e.error_type])
  t.same(failed, [['6', 'timeout']], 'reported like a batch at its deadline: the item sent times out')
  const unsent = logs.entries().filter((e) => e.msg === 'batch items not sent')
  t.match(unsent, [{ count: 2, error_types: { unprocessed: 2 }, first: { operation_id: '7' } }], 'the two never sent are unprocessed, in one line')

  // a 2025-era client POSTs notifications/cancelled instead: accepted and ignored (stateless: no session
  // scopes the request ids, so it cannot be told whose request 3 is); closing its transport ends the work
  const { post } = await serve(t)
  const res = await post(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 3, reason: 'user' } }))
  t.equal(res.status, 202)
  t.equal((await rpc(await post('{"jsonrpc":"2.0","id":1,"method":"ping"}'))).result !== undefined, true, 'still serving')
})
