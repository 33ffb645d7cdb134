// The `memory` section of npm run bench: a gateway's resident set (RSS) and V8 heap used at start,
// after 10,000 mixed warm requests (batches and single reads of listings and reservations, 50
// connections) and after 1,000 idempotent writes (each with its own Idempotency-Key: 20 updates
// that break a per-item rule, answered at once, nothing sent upstream, the result kept under its
// key); each figure as the process stands and after a full collection (what it keeps); the same
// with the young generation capped.
import autocannon from 'autocannon'
import { gatewayEnv, post, shortWindowSandbox, spawnServer, type Child, type Memory } from './servers.js'

const MIXED = 10_000
const WRITES = 1_000
const CONNECTIONS = 50

const json = { 'content-type': 'application/json' }
const MIXED_REQUESTS: autocannon.Request[] = [
  { method: 'POST', path: '/api/batch/listings', headers: json, body: JSON.stringify({ ids: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }) },
  { method: 'GET', path: '/api/listings/3' },
  { method: 'POST', path: '/api/batch/bookings', headers: json, body: JSON.stringify({ ids: [1, 2, 3, 4, 5] }) },
  { method: 'GET', path: '/api/bookings/5' },
  { method: 'POST', path: '/api/batch/listings', headers: json, body: JSON.stringify({ ids: [11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25] }) },
  { method: 'GET', path: '/api/listings/30' }
]
const WRITE_BODY = JSON.stringify({ updates: Array.from({ length: 20 }, (_, i) => ({ listing_id: i + 1, price: -1 })) })

async function both (gw: Child): Promise<{ now: Memory, after_gc: Memory }> {
  const now = await gw.memory()
  return { now, after_gc: await gw.memory(true) }
}

/**
 * The load on a gateway with its defaults, and on one with V8's young generation capped
 * (`--max-semi-space-size=4`, MB per semi-space; V8's default is 16 on 64-bit, and a busy
 * process grows its semi-spaces to it: most of the gap between heap used and RSS).
 */
export async function memory () {
  return { default: await measure([]), semi_space_4mb: await measure(['--max-semi-space-size=4']) }
}

async function measure (execArgv: string[]) {
  const sb = await shortWindowSandbox()
  try {
    const gw = await spawnServer('gateway', gatewayEnv(sb), execArgv)
    try {
      const url = `http://127.0.0.1:${gw.port}`
      await fetch(`${url}/ready`)
      // every read of the load cached first: the load is the warm path
      await post(gw.port, '/api/batch/listings', { ids: Array.from({ length: 30 }, (_, i) => i + 1) })
      await post(gw.port, '/api/batch/bookings', { ids: [1, 2, 3, 4, 5] })
      const start = await both(gw)
      const mixed = await autocannon({ url, connections: CONNECTIONS, amount: MIXED, requests: MIXED_REQUESTS })
      const afterMixed = await both(gw)
      let key = 0
      const writes = await autocannon({
        url,
        connections: CONNECTIONS,
        amount: WRITES,
        requests: [{
          method: 'PATCH',
          path: '/api/listings/batch',
          body: WRITE_BODY,
          setupRequest: (req) => ({ ...req, headers: { ...json, 'idempotency-key': `bench-memory-${++key}` } })
        }]
      })
      const afterWrites = await both(gw)
      return {
        setup: { mixed_requests: MIXED, idempotent_writes: WRITES, connections: CONNECTIONS, items_per_write: 20, node_flags: execArgv },
        start,
        after_mixed: { ...afterMixed, rps: Math.round(mixed.requests.average), non2xx: mixed.non2xx, errors: mixed.errors },
        after_writes: { ...afterWrites, rps: Math.round(writes.requests.average), non2xx: writes.non2xx, errors: writes.errors, keys: key }
      }
    } finally {
      await gw.close()
    }
  } finally {
    await sb.close()
  }
}
