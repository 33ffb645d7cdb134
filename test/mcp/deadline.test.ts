import { test } from 'tap'
import type { CallToolResult } from '@modelcontextprotocol/client'
import { serve, texts } from './helper.js'

// Single-item tools run by REQUEST_TIMEOUT_MS, like the single-item REST routes: refused at once when
// their turn for the rate budget would come too late, aborted at the deadline. Real HTTP, real sandbox.

const LISTING_GETS = 'GET /v1/listings/:id'

test('a single tool whose turn would come after REQUEST_TIMEOUT_MS is refused at once, never sent', async (t) => {
  // 3 calls per 5.1 s window, the token one of them: with 2.5 s, only calls of the first window can
  // start in time — however spread the 12 calls arrive — and they have the 2.5 s to answer, even on
  // a loaded machine (a call admitted just before its deadline would be a race with the machine)
  const { connect, sandbox: sb } = await serve(t, { HOSTAWAY_RATE_LIMIT_IP: '4', CACHE_TTL_MS: '0', REQUEST_TIMEOUT_MS: '2500', HOSTAWAY_RATE_WINDOW_MS: '5000' }, { rateWindowMs: 5000 })
  const client = await connect()
  const results = await Promise.all(Array.from({ length: 12 }, (_, i) =>
    client.callTool({ name: 'get_listing', arguments: { listing_id: i + 1 } }) as Promise<CallToolResult>))
  const served = results.filter((r) => r.isError !== true)
  // started in time, unanswered at the deadline: only when the machine is so loaded that the sandbox
  // (in this process) takes seconds to answer; sent, so not a refusal
  const unanswered = results.filter((r) => r.isError === true && /request deadline of 2500 ms passed while the request was in flight/.test(texts(r)[0]))
  const refused = results.filter((r) => r.isError === true && !unanswered.includes(r))
  const started = served.length + unanswered.length
  t.ok(started >= 1 && started <= 6, `${served.length} served in time (${unanswered.length} started in time, unanswered)`)
  t.equal(started + refused.length, 12)
  for (const r of refused) {
    t.match(texts(r)[0], /was not sent: no rate-limit slot in time: its turn would come in about \d+ ms, its deadline is in \d+ ms/, 'refused with the predicted wait')
    t.match(texts(r).join('\n'), /Retryable: call get_listing again after about \d+ s/)
  }
  t.equal((await sb.stats()).requests.by_route[LISTING_GETS] ?? 0, started, 'a refused call was never sent')
})

test('a single tool still running at REQUEST_TIMEOUT_MS is aborted: isError, timeout', async (t) => {
  const { connect, sandbox: sb } = await serve(t, { REQUEST_TIMEOUT_MS: '1000', HOSTAWAY_TIMEOUT_MS: '5000', BATCH_PLANNER: 'off' }, { faults: { fail_ids: { hang: [7] } } })
  const client = await connect()
  const result = await client.callTool({ name: 'get_listing', arguments: { listing_id: 7 } }) as CallToolResult
  t.equal(result.isError, true)
  t.match(texts(result)[0], /request deadline of 1000 ms passed/)
  t.equal((await sb.stats()).requests.by_route[LISTING_GETS], 1, 'one attempt, abandoned at the deadline')
  // a batch tool ends by its own timeout_ms instead
  const batch = await client.callTool({ name: 'batch_get_listings', arguments: { ids: [6, 7], timeout_ms: 2500 } }) as CallToolResult
  t.match(batch.structuredContent, { success_count: 1, failed: [{ operation_id: '7', error_type: 'timeout', error: /2500 ms/ }] }, 'a batch tool is bound by its timeout_ms, not by it')
})
