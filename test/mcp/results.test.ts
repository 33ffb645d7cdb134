import { test } from 'tap'
import type { CallToolResult } from '@modelcontextprotocol/client'
import { COMPACT_FIELDS } from '../../schemas/mcp.js'
import { serve, texts } from './helper.js'

// Results sized for an agent's context: compact fields by default where a tool returns many records,
// `fields` to ask for others, and a cut at MCP_RESULT_MAX_CHARS that says how to get the rest.

interface Page { items: Array<Record<string, unknown>>, count: number, limit: number, offset: number, truncated?: Record<string, unknown> }
interface Batch { successful: Array<{ operation_id: string, data: Record<string, unknown> | null }>, failed: unknown[], success_count: number, truncated?: { data_omitted?: string[] } & Record<string, unknown> }

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10)
const textLength = (result: CallToolResult) => texts(result).join('').length

test('search_bookings {"limit":100}: the compact fields by default, the text well under 25 000 characters; fields ["*"] for everything', async (t) => {
  const { app, connect } = await serve(t)
  const client = await connect()
  const result = await client.callTool({ name: 'search_bookings', arguments: { limit: 100 } }) as CallToolResult
  const page = result.structuredContent as unknown as Page
  t.equal(page.items.length, 100, 'a full page')
  t.ok(textLength(result) < 25_000, `text: ${textLength(result)} characters`)
  t.equal(page.truncated, undefined, 'not cut: it fits')
  for (const item of page.items) t.same(Object.keys(item).filter((k) => !COMPACT_FIELDS.booking.includes(k)), [], 'only compact fields')
  t.same(Object.keys(page.items[0]).sort(), [...COMPACT_FIELDS.booking].sort(), 'every compact field the booking has')
  const [summary, json] = texts(result)
  t.match(summary, /^100 of \d+ bookings \(offset 0\)\. Next page: offset 100\.\nFields: id, listingMapId, guestName, arrivalDate, departureDate, status, totalPrice, currency \(the default; fields: \["\*"\] for every field\)\.$/)
  t.equal(json, JSON.stringify(result.structuredContent), 'the JSON once, compact (no pretty printing)')

  const rest = (await app.inject('/api/bookings?limit=3')).json() as Page
  const full = await client.callTool({ name: 'search_bookings', arguments: { limit: 3, fields: ['*'] } })
  t.same((full.structuredContent as unknown as Page).items, rest.items, 'fields ["*"]: the REST items, every field')
  const chosen = await client.callTool({ name: 'search_bookings', arguments: { limit: 3, fields: ['guestName', 'nights', 'noSuchField'] } })
  t.same((chosen.structuredContent as unknown as Page).items, rest.items.map(({ id, guestName, nights }) => ({ id, guestName, nights })), 'the fields asked for, the key always, unknown names left out')
  t.notMatch(texts(chosen as CallToolResult)[0], /Fields:/, 'no note when the agent chose')
})

test('a page longer than MCP_RESULT_MAX_CHARS is cut where it fits; truncated and the summary give the offset to go on from, which continues it exactly', async (t) => {
  const { app, connect } = await serve(t)
  const client = await connect()
  const all = ((await app.inject('/api/bookings?limit=100')).json() as Page).items.map((b) => b.id)
  const first = await client.callTool({ name: 'search_bookings', arguments: { limit: 100, fields: ['*'] } }) as CallToolResult
  const page = first.structuredContent as unknown as Page
  const shown = page.items.length
  t.ok(shown > 0 && shown < 100, `${shown} of 100 full bookings fit`)
  t.ok(texts(first)[1].length <= 40_000, `the JSON is ${texts(first)[1].length} characters, at most the default MCP_RESULT_MAX_CHARS`)
  t.same(page.truncated, { max_chars: 40_000, shown, omitted: 100 - shown, next_offset: shown })
  const [summary] = texts(first)
  t.match(summary, new RegExp(`^${shown} of \\d+ bookings \\(offset 0\\)\\. Next page: offset ${shown}\\.\\n` +
    `Cut at 40000 characters \\(MCP_RESULT_MAX_CHARS\\): ${shown} of 100 bookings shown\\. Call search_bookings again with offset ${shown} for the other ${100 - shown}, or ask for fewer fields\\.$`))

  const next = await client.callTool({ name: 'search_bookings', arguments: { limit: 100 - shown, offset: shown } })
  t.same([...page.items, ...(next.structuredContent as unknown as Page).items].map((b) => b.id), all, 'the next call from next_offset continues where the cut was: nothing lost, nothing twice')
})

test('MCP_RESULT_MAX_CHARS: lists, calendars and conversations are cut to fit, a batch keeps every item and leaves out the data of its last successes', async (t) => {
  const { connect } = await serve(t, { MCP_RESULT_MAX_CHARS: '3000' })
  const client = await connect()

  const listings = await client.callTool({ name: 'list_listings', arguments: { limit: 40 } }) as CallToolResult
  const page = listings.structuredContent as unknown as Page
  t.ok(texts(listings)[1].length <= 3000, `list: ${texts(listings)[1].length} characters`)
  t.ok(page.items.length < 40 && page.truncated?.next_offset === page.items.length, `list: ${page.items.length} listings, next_offset ${String(page.truncated?.next_offset)}`)

  // 8 successes of about 170 characters each without their data, 150 with it, and a failure: over 3000
  const ids = Array.from({ length: 8 }, (_, i) => i + 1)
  const batch = await client.callTool({ name: 'batch_get_listings', arguments: { ids: [...ids, 999999] } }) as CallToolResult
  const body = batch.structuredContent as unknown as Batch
  t.ok(texts(batch)[1].length <= 3000, `batch: ${texts(batch)[1].length} characters`)
  t.equal(body.success_count, 8, 'every success still reported')
  t.equal(body.successful.length + body.failed.length, 9, 'every id exactly once')
  const omitted = body.truncated?.data_omitted ?? []
  t.ok(omitted.length > 0 && omitted.length < 8, `${omitted.length} successes without data`)
  t.same(omitted, ids.slice(8 - omitted.length).map(String), 'the last successes, named')
  t.same(body.successful.filter((s) => s.data === null).map((s) => s.operation_id), omitted, 'their data is null, the others keep theirs')
  t.match(texts(batch)[0], new RegExp(`Cut at 3000 characters \\(MCP_RESULT_MAX_CHARS\\): the data of ${omitted.length} of 8 successes was left out \\(data null: ${omitted.join(', ')}\\)\\. Look them up with batch_get_listings`))

  const calendar = await client.callTool({ name: 'get_listing_calendar', arguments: { listing_id: 1, start_date: day(0), end_date: day(89) } }) as CallToolResult
  const days = calendar.structuredContent as unknown as Page & { count: number }
  t.ok(texts(calendar)[1].length <= 3000 && days.items.length < 90, `calendar: ${days.items.length} of 90 days`)
  t.equal(days.count, 90, 'count is still every day of the range')
  t.equal(days.truncated?.next_start_date, day(days.items.length), 'next_start_date: the first day left out')
  t.match(texts(calendar)[0], /Call get_listing_calendar again with start_date \d{4}-\d\d-\d\d/)

  const single = await client.callTool({ name: 'get_listing', arguments: { listing_id: 1, fields: ['*'] } }) as CallToolResult
  t.equal((single.structuredContent as { truncated?: unknown }).truncated, undefined, 'a single record is never cut')
})

test('a conversation too long keeps its newest messages', async (t) => {
  const { app, connect } = await serve(t, { MCP_RESULT_MAX_CHARS: '1000' })
  const client = await connect()
  // the booking with the longest conversation among the first ones
  let longest = { id: 1, count: 0 }
  for (let id = 1; id <= 15; id++) {
    const { count } = (await app.inject(`/api/bookings/${id}/messages`)).json() as { count: number }
    if (count > longest.count) longest = { id, count }
  }
  const all = ((await app.inject(`/api/bookings/${longest.id}/messages`)).json() as Page).items.map((m) => m.id)
  const result = await client.callTool({ name: 'get_booking_messages', arguments: { booking_id: longest.id, fields: ['*'] } }) as CallToolResult
  const list = result.structuredContent as unknown as Page
  t.ok(list.items.length < all.length, `${list.items.length} of ${all.length} messages fit in 1000 characters`)
  t.same(list.items.map((m) => m.id), all.slice(all.length - list.items.length), 'the newest ones, still oldest first')
  t.same(list.truncated, { max_chars: 1000, shown: list.items.length, omitted: all.length - list.items.length })
  t.match(texts(result)[0], /The \d+ oldest were left out/)
})

test('fields: any Hostaway field by name, the key always; a name that is not one is refused', async (t) => {
  const { connect } = await serve(t)
  const client = await connect()
  const listing = await client.callTool({ name: 'get_listing', arguments: { listing_id: 1, fields: ['city', 'maxNights'] } })
  t.same(listing.structuredContent, { id: 1, city: 'Rome', maxNights: 30 })
  const full = await client.callTool({ name: 'get_listing', arguments: { listing_id: 1 } })
  t.ok(Object.keys(full.structuredContent ?? {}).length > 40, 'a single record: every field by default')
  const days = await client.callTool({ name: 'get_listing_calendar', arguments: { listing_id: 1, start_date: day(0), end_date: day(1), fields: ['price'] } })
  t.same((days.structuredContent as unknown as Page).items.map((d) => Object.keys(d)), [['date', 'price'], ['date', 'price']], 'a day keeps its date')
  for (const fields of [['__proto__'], ['a b'], [], ['x'.repeat(65)]]) {
    const refused = await client.callTool({ name: 'get_listing', arguments: { listing_id: 1, fields } })
    t.equal(refused.isError, true, JSON.stringify(fields))
    t.match(texts(refused as CallToolResult)[0], /arguments\/fields/)
  }
})
