// The `writes` section of npm run bench (#23): the write operations at Hostaway's real limits
// (15 / 10 s per IP, 20 per account), each row against its own sandbox and a cold gateway.
// Standalone: `npx tsx bench/writes.ts`.
import { realSandbox } from './real-limits.js'
import { gatewayEnv, spawnServer } from './servers.js'

async function send (port: number, method: string, path: string, body: unknown, key?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(key === undefined ? {} : { 'idempotency-key': key }) }
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers, body: JSON.stringify(body) })
  return { status: res.status, headers: res.headers, json: await res.json() as Record<string, unknown> & { success_count: number, failure_count: number, total_count: number } }
}

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10)

/** 120 ranges over 40 listings (3 each, apart), one batch: upstream writes ≤ 40 (per range: 120). */
async function calendarRow () {
  const sb = await realSandbox()
  try {
    const gw = await spawnServer('gateway', gatewayEnv(sb))
    try {
      const updates = Array.from({ length: 120 }, (_, i) => {
        const listing = (i % 40) + 1
        const k = Math.floor(i / 40)
        return { listing_id: listing, start_date: day(100 + k * 10), end_date: day(102 + k * 10), price: 100 + k }
      })
      const t0 = performance.now()
      const res = await send(gw.port, 'PATCH', '/api/calendar/batch', { updates, timeout_ms: 120_000 })
      const wall = performance.now() - t0
      const stats = await sb.stats()
      const writes = (stats.requests.by_route['PUT /v1/listings/:id/calendarIntervals'] ?? 0) + (stats.requests.by_route['PUT /v1/listings/:id/calendar'] ?? 0)
      return { upstream_calls: stats.requests.total, upstream_writes: writes, per_range_writes: 120, wall_ms: Math.round(wall), success_count: res.json.success_count, reported: res.json.total_count, upstream_429: stats.rate_limited }
    } finally { await gw.close() }
  } finally { await sb.close() }
}

/** 50 messages to 50 recent reservations with a conversation; then the same request again (a replay). */
async function messagesRow () {
  const sb = await realSandbox()
  try {
    const gw = await spawnServer('gateway', gatewayEnv(sb))
    try {
      // reservations 1.. without the owner stays (no conversation): the first 50 that have one
      const owners = new Set([2, 48, 103, 129])
      const ids = Array.from({ length: 60 }, (_, i) => i + 1).filter((id) => !owners.has(id)).slice(0, 50)
      const body = { messages: ids.map((id) => ({ booking_id: id, body: `Welcome! Your stay ${id} starts soon.` })), timeout_ms: 120_000 }
      const t0 = performance.now()
      const res = await send(gw.port, 'POST', '/api/batch/messages', body, 'bench-messages-50')
      const wall = performance.now() - t0
      const first = await sb.stats()
      const replay = await send(gw.port, 'POST', '/api/batch/messages', body, 'bench-messages-50')
      const after = await sb.stats()
      return {
        conversation_lookups: (first.requests.by_route['GET /v1/conversations'] ?? 0) + (first.requests.by_route['GET /v1/reservations/:id/conversations'] ?? 0),
        sends: first.requests.by_route['POST /v1/conversations/:id/messages'] ?? 0,
        success_count: res.json.success_count,
        wall_ms: Math.round(wall),
        replayed: replay.headers.get('idempotent-replayed') === 'true',
        sends_after_replay: after.requests.by_route['POST /v1/conversations/:id/messages'] ?? 0,
        messages_duplicated: after.messages_duplicated,
        upstream_429: after.rate_limited
      }
    } finally { await gw.close() }
  } finally { await sb.close() }
}

/** Dry runs of the three writes against a warm gateway: 0 upstream calls. */
async function dryRunRow () {
  const sb = await realSandbox()
  try {
    const gw = await spawnServer('gateway', gatewayEnv(sb))
    try {
      const before = (await sb.stats()).requests.total
      const updates = Array.from({ length: 120 }, (_, i) => ({ listing_id: (i % 40) + 1, start_date: day(100 + Math.floor(i / 40) * 10), end_date: day(101 + Math.floor(i / 40) * 10), price: 99 }))
      const cal = await send(gw.port, 'PATCH', '/api/calendar/batch', { updates, dry_run: true })
      const msg = await send(gw.port, 'POST', '/api/batch/messages', { messages: [{ booking_id: 1, body: 'x' }], dry_run: true }, 'bench-dry')
      const book = await send(gw.port, 'PATCH', '/api/bookings/batch', { updates: [{ booking_id: 1, hostNote: 'x' }], dry_run: true })
      return {
        upstream_calls: (await sb.stats()).requests.total - before,
        planned_calendar_calls: cal.json.upstream_call_count,
        calendar_earliest_finish_ms: cal.json.earliest_finish_ms,
        planned_message_calls: msg.json.upstream_call_count,
        planned_booking_calls: book.json.upstream_call_count
      }
    } finally { await gw.close() }
  } finally { await sb.close() }
}

export async function writes () {
  const calendar = await calendarRow()
  const messages = await messagesRow()
  const dry = await dryRunRow()
  return {
    calendar_120_ranges_40_listings: calendar,
    messages_50: messages,
    dry_run: dry,
    goals: {
      calendar_120_ranges_40_listings: calendar.upstream_writes <= 40 && calendar.reported === 120 && calendar.upstream_429 === 0,
      messages_50: messages.conversation_lookups <= 3 && messages.sends === 50 && messages.sends_after_replay === 50 && messages.messages_duplicated === 0,
      dry_run: dry.upstream_calls === 0
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(await writes(), null, 2))
