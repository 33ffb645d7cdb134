import t from 'tap'
import { parseMetrics, total } from '../fixtures/prometheus.js'
import { serve } from '../reliability/helper.js'

// The in-memory Idempotency-Key store is bounded (#21: 12,000 unique keys took RSS from 141 to
// 558 MB): BATCH_IDEMPOTENCY_MAX_ENTRIES and BATCH_IDEMPOTENCY_MAX_BYTES, the oldest results
// forgotten first, counted in /metrics. Real HTTP; the updates break a per-item rule, so nothing
// goes upstream and only what the store keeps matters.

const json = { 'content-type': 'application/json' }
/** An update batch of `n` items that each break a rule (answered at once, never sent). */
const refused = (n: number) => JSON.stringify({ updates: Array.from({ length: n }, (_, i) => ({ listing_id: i + 1, price: -1 })) })

async function send (url: string, key: string, body: string) {
  const res = await fetch(`${url}/api/listings/batch`, { method: 'PATCH', headers: { ...json, 'idempotency-key': key }, body })
  await res.arrayBuffer()
  return { status: res.status, replayed: res.headers.get('idempotent-replayed') === 'true' }
}

async function store (url: string) {
  const { samples } = parseMetrics(await (await fetch(`${url}/metrics`)).text())
  return {
    entries: total(samples, 'hostaway_idempotency_store_entries'),
    bytes: total(samples, 'hostaway_idempotency_store_bytes'),
    evictions: total(samples, 'hostaway_idempotency_evictions_total')
  }
}

t.test('BATCH_IDEMPOTENCY_MAX_ENTRIES: at most that many keys; the oldest result is forgotten (its key runs again), counted in /metrics', async (t) => {
  const { url } = await serve(t, { BATCH_IDEMPOTENCY_MAX_ENTRIES: '3' })
  const body = refused(1)
  for (const key of ['k1', 'k2', 'k3', 'k4']) t.match(await send(url, key, body), { status: 200, replayed: false })
  t.match(await store(url), { entries: 3, evictions: 1 }, 'k1 forgotten for k4')
  t.equal((await send(url, 'k4', body)).replayed, true, 'the newest is replayed')
  t.equal((await send(url, 'k1', body)).replayed, false, 'the forgotten one runs again')
  t.match(await store(url), { entries: 3, evictions: 2 }, 'and k2 makes room for it')
  t.equal((await send(url, 'k3', body)).replayed, true)
})

t.test('BATCH_IDEMPOTENCY_MAX_BYTES: the store holds at most that much (estimated), whatever the number of keys', async (t) => {
  const { url } = await serve(t, { BATCH_IDEMPOTENCY_MAX_BYTES: '200000' })
  // 20 refused items: a result of about 5 KB of JSON, some 11 KB as counted (2 bytes a character, and the key)
  const body = refused(20)
  for (let i = 0; i < 30; i++) t.equal((await send(url, `b${i}`, body)).status, 200)
  const held = await store(url)
  t.ok(held.bytes <= 200_000 && held.bytes > 100_000, `within the bound, and filled up to it (${held.bytes} bytes)`)
  t.ok(held.entries < 30 && held.entries > 1, `${held.entries} results kept`)
  t.equal(held.evictions, 30 - held.entries, 'every other result forgotten, each counted')
  t.equal((await send(url, 'b29', body)).replayed, true, 'the newest is kept')
  t.equal((await send(url, 'b0', body)).replayed, false, 'the oldest is not')
})
