import { test } from 'tap'
import type { PartialFailureResponse } from '../../schemas/batch.js'
import { serve, texts } from './helper.js'

type Batch = PartialFailureResponse<{ id: number, price?: number }>

for (const modern of [false, true]) {
  test(`the original scenario over MCP (${modern ? '2026-07-28' : '2025'} client): ids [1, 2, 999999, 4] → 3 successes, 1 not_found`, async (t) => {
    const { connect } = await serve(t)
    const client = await connect({ modern })
    const result = await client.callTool({ name: 'batch_get_listings', arguments: { ids: [1, 2, 999999, 4] } })
    t.notOk(result.isError, 'a partly failed batch is a successful call')
    const body = result.structuredContent as Batch
    t.equal(body.success_count, 3)
    t.equal(body.failure_count, 1)
    t.equal(body.partial_success, true)
    t.same(body.successful.map((s) => s.data?.id), [1, 2, 4])
    t.match(body.failed[0], { operation_id: '999999', index: 2, error_type: 'not_found', status_code: 404, retryable: false })
    const [summary] = texts(result as never)
    t.match(summary, /^Looked up 4 listings: 3 succeeded, 1 failed\./)
    t.match(summary, /not_found: 999999 \(not retryable\)\. Check the id/)
    t.match(summary, /Do not resend 999999 unchanged/)
  })
}

test('a partly failed batch: the summary names each failed id, its category and what to do (resend the unprocessed ones)', async (t) => {
  // one item at a time; listing 6 never answers, so at the deadline 6 has timed out and 7, 8 were never sent
  // the per-id path (planner off): the hang fault only hits GET /listings/6, which a list page would bypass
  const { connect, sandbox } = await serve(t, { BATCH_CONCURRENCY: '1', HOSTAWAY_TIMEOUT_MS: '10000', BATCH_PLANNER: 'off' })
  await sandbox.setFaults({ fail_ids: { hang: [6] } })
  const client = await connect()
  // warm the token and listing 1, so that only 999999 (fast) and the hanging 6 race the deadline
  t.notOk((await client.callTool({ name: 'get_listing', arguments: { listing_id: 1 } })).isError)
  const result = await client.callTool({ name: 'batch_get_listings', arguments: { ids: [1, 999999, 6, 7, 8], timeout_ms: 2000 } })
  t.notOk(result.isError)
  const body = result.structuredContent as Batch
  t.same(body.failed.map((f) => [f.operation_id, f.error_type]), [['999999', 'not_found'], ['6', 'timeout'], ['7', 'unprocessed'], ['8', 'unprocessed']])
  const [summary] = texts(result as never)
  t.match(summary, /^Looked up 5 listings: 1 succeeded, 4 failed\.\nFailed, by category:\n/)
  t.match(summary, /- not_found: 999999 \(not retryable\)\. Check the id; the item does not exist upstream\./)
  t.match(summary, /- timeout: 6 \(retryable\)\. The upstream did not answer in time/)
  t.match(summary, /- unprocessed: 7, 8 \(retryable\)\. Not sent before the batch deadline/)
  t.match(summary, /What to do: Resend only ids 6, 7, 8 with batch_get_listings\. Unprocessed items were never sent; a larger timeout_ms gives them more time\./)
  t.match(summary, /Do not resend 999999 unchanged/)
})

test('a batch in which every item fails is still a result, not an error', async (t) => {
  const { connect } = await serve(t)
  const client = await connect()
  const result = await client.callTool({ name: 'batch_get_bookings', arguments: { ids: [999998, 999999] } })
  t.notOk(result.isError)
  t.match(result.structuredContent, { success_count: 0, failure_count: 2, has_successes: false })
  t.match(texts(result as never)[0], /not_found: 999998, 999999/)
})

test('batch_update_listings: per-item outcomes, idempotency_key replays without resending, shared with the REST route', async (t) => {
  const { app, sandbox, connect } = await serve(t)
  const client = await connect()
  const puts = async () => (await sandbox.stats()).requests.by_route['PUT /v1/listings/:id'] ?? 0
  const args = { updates: [{ listing_id: 5, price: 123 }, { listing_id: 999999, price: 1 }], idempotency_key: 'agent-run-42' }

  const first = await client.callTool({ name: 'batch_update_listings', arguments: args })
  t.notOk(first.isError)
  const body = first.structuredContent as Batch
  t.equal(body.success_count, 1)
  t.equal(body.successful[0].data?.price, 123)
  t.match(body.failed[0], { operation_id: '999999', error_type: 'not_found' })
  t.match(texts(first as never)[0], /^Updated 2 listings: 1 succeeded, 1 failed\./)
  const sent = await puts()

  const again = await client.callTool({ name: 'batch_update_listings', arguments: args })
  t.same(again.structuredContent, first.structuredContent, 'the same key and arguments: the stored result')
  t.match(texts(again as never)[0], /Replayed: the stored result of an earlier call with this idempotency_key; nothing was sent upstream\./)
  t.equal(await puts(), sent, 'nothing sent again')

  const rest = await app.inject({ method: 'PATCH', url: '/api/listings/batch', headers: { 'idempotency-key': 'agent-run-42' }, payload: { updates: args.updates } })
  t.equal(rest.headers['idempotent-replayed'], 'true', 'one key space: the REST route replays what the tool stored for the same caller')

  const other = await client.callTool({ name: 'batch_update_listings', arguments: { ...args, updates: [{ listing_id: 5, price: 124 }] } })
  t.equal(other.isError, true, 'the same key with other arguments is refused as a whole')
  const [refusal] = texts(other as never)
  t.match(refusal, /^batch_update_listings failed: validation_error \(HTTP 422\): idempotency_key was already used with different arguments\n/)
  t.match(refusal, /\nAn idempotency_key stands for the arguments it was first used with: use a new key for other arguments/, 'what to do: a new key, not "fix the item"')
  t.notMatch(refusal, /Fix the item|request body|Idempotency-Key/)
  t.equal(await puts(), sent)
})

test('batch_update_listings: a retryable write failure tells the agent to resend only those updates under a new key', async (t) => {
  const { connect, sandbox } = await serve(t, { HOSTAWAY_MAX_RETRIES: '0' })
  await sandbox.setFaults({ fail_ids: { 503: [12] } })
  const client = await connect()
  const result = await client.callTool({ name: 'batch_update_listings', arguments: { updates: [{ listing_id: 11, minNights: 2 }, { listing_id: 12, minNights: 2 }] } })
  t.notOk(result.isError)
  const [summary] = texts(result as never)
  t.match(summary, /- upstream_error: 12 \(retryable\)/)
  t.match(summary, /Resend only the updates of listing_id 12, under a new idempotency_key \(a key replays its first result\) with batch_update_listings/)
})

test('a duplicate listing_id is refused as a whole, naming both arguments', async (t) => {
  const { connect } = await serve(t)
  const client = await connect()
  const result = await client.callTool({ name: 'batch_update_listings', arguments: { updates: [{ listing_id: 3, price: 1 }, { listing_id: 3, price: 2 }] } })
  t.equal(result.isError, true)
  t.match(texts(result as never)[0], /validation_error \(HTTP 400\): arguments\/updates\/1\/listing_id repeats arguments\/updates\/0\/listing_id \(3\)/)
})

test('duplicate ids are named once in a summary, with how many positions they hold; one id to resend is "id", not "ids"', async (t) => {
  const { connect, sandbox } = await serve(t, { HOSTAWAY_MAX_RETRIES: '0', BATCH_PLANNER: 'off' })
  await sandbox.setFaults({ fail_ids: { 503: [31] } })
  const client = await connect()
  const result = await client.callTool({ name: 'batch_get_listings', arguments: { ids: [1, 999999, 31, 999999] } })
  const body = result.structuredContent as Batch
  t.same(body.failed.map((f) => f.operation_id), ['999999', '31', '999999'], 'every position reported')
  const [summary] = texts(result as never)
  t.match(summary, /- not_found: 999999 ×2 \(not retryable\)/)
  t.notMatch(summary, /999999, 999999/)
  t.match(summary, /What to do: Resend only id 31 with batch_get_listings\. Do not resend 999999 ×2 unchanged/)
})
