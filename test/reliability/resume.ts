import type { Test } from 'tap'
import { everyItemOnce, serve, until, upstreamCount, type BatchBody, type Item } from './helper.js'

// A client that goes away during a keyed batch update, then sends it again with the same
// Idempotency-Key (docs/contract.md, "Idempotency-Key"): the first result, cut short, is not the
// answer. The retry runs the items never sent, keeps the results of those that were (a write in
// flight at the disconnect stays outcome_unknown and is never sent again), and its complete result
// is what the key replays from then on. Shared by the in-memory store (test/reliability) and the
// Redis one (test/redis): `env` picks the store.

const PUTS = /^PUT \/v1\/listings\/:id$/
const json = { 'content-type': 'application/json' }

export async function disconnectThenResume (t: Test, env: Record<string, string>): Promise<void> {
  // a budget of 5 per 2 s: the token and 4 writes go at once, the other 6 wait for the next window;
  // listing 1's write never answers (it is in flight when the client leaves)
  const { url, sandbox: sb, audit } = await serve(t, {
    ...env,
    CACHE_TTL_MS: '0',
    HOSTAWAY_RATE_LIMIT_IP: '6',
    HOSTAWAY_RATE_WINDOW_MS: '2000',
    HOSTAWAY_TIMEOUT_MS: '10000',
    BATCH_TIMEOUT_MS: '60000'
  }, { rateWindowMs: 2000, faults: { fail_ids: { hang: [1] } } })
  const puts = async () => upstreamCount((await sb.stats()).requests.by_route, PUTS)
  const ids = Array.from({ length: 10 }, (_, i) => i + 1)
  const body = JSON.stringify({ updates: ids.map((id) => ({ listing_id: id, price: 100 + id })) })
  const headers = { ...json, 'idempotency-key': 'leaving-client-1' }

  const client = new AbortController()
  fetch(`${url}/api/listings/batch`, { method: 'PATCH', headers, body, signal: client.signal }).catch(() => {})
  await until(async () => (await puts()) >= 4, 20_000, 'the first window of writes sent')
  client.abort()
  await until(() => audit.entries().length === ids.length, 20_000, 'the first request ended (its audit lines)')
  const first = audit.entries()
  const sentFirst = first.filter((e) => (e.attempts as number) > 0).map((e) => e.listing_id as number)
  t.ok(sentFirst.includes(1) && sentFirst.length < ids.length, `items sent before the client left: ${sentFirst.join(', ')}`)
  t.match(first.find((e) => e.listing_id === 1), { error_type: 'outcome_unknown', attempts: 1 }, 'listing 1: in flight when the client left')
  for (const e of first.filter((e) => e.attempts === 0)) t.match(e, { error_type: 'unprocessed' }, `listing ${String(e.listing_id)}: never sent`)
  const sentBefore = await puts()

  // the same key again: it runs what was never sent (409 while the first request still unwinds)
  let again: Response
  do again = await fetch(`${url}/api/listings/batch`, { method: 'PATCH', headers, body })
  while (again.status === 409)
  t.equal(again.status, 200)
  t.equal(again.headers.get('idempotent-replayed'), null, 'not a replay: the items never sent ran now')
  const resumed = await again.json() as BatchBody & { failed: Array<Item & { error: string }> }
  t.equal(everyItemOnce(resumed, ids), undefined, 'every item exactly once')
  t.same(resumed.failed.map((f) => [f.operation_id, f.error_type, f.attempts]), [['1', 'outcome_unknown', 1]], 'only the write in flight at the disconnect failed: outcome_unknown, as it was')
  t.match(resumed.failed[0].error, /the client disconnected while the request was in flight/)
  t.equal(resumed.success_count, ids.length - 1, 'every other item applied')
  for (const item of resumed.successful) t.equal((item.data as unknown as { price: number }).price, 100 + item.index + 1, `listing ${item.operation_id} has its new price`)
  t.equal(await puts(), sentBefore + (ids.length - sentFirst.length), 'only the items never sent were sent now: no write twice')

  const lines = audit.entries().slice(ids.length)
  t.equal(lines.length, ids.length, 'one audit line per item for the resumed request')
  for (const line of lines) {
    const earlier = sentFirst.includes(line.listing_id as number)
    t.match(line, { replayed: earlier }, `listing ${String(line.listing_id)}: ${earlier ? 'its result from the first request' : 'sent now'}`)
  }

  const replay = await fetch(`${url}/api/listings/batch`, { method: 'PATCH', headers, body })
  t.equal(replay.headers.get('idempotent-replayed'), 'true', 'complete now: replayed from then on')
  t.same(await replay.json(), resumed)
  t.equal(await puts(), sentBefore + (ids.length - sentFirst.length), 'nothing sent for the replay')
}
