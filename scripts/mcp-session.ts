/**
 * A scripted MCP session against a running gateway, with either official TypeScript SDK client:
 *
 *   npx tsx scripts/mcp-session.ts http://127.0.0.1:3000/mcp            # SDK 2.x client (@modelcontextprotocol/client)
 *   npx tsx scripts/mcp-session.ts http://127.0.0.1:3000/mcp --sdk 1    # SDK 1.x client (@modelcontextprotocol/sdk)
 *   npx tsx scripts/mcp-session.ts http://127.0.0.1:3000/mcp --sdk 2026 # SDK 2.x, pinned to the 2026-07-28 revision
 *
 * With MCP_API_KEY set it sends `Authorization: Bearer $MCP_API_KEY`. Each step prints `ok - …`; the
 * first that fails prints `not ok - …` and the script exits 1. The sandbox's seeded data is assumed
 * (listings 1, 2 and 4 exist, 999999 does not). test/mcp/clients.test.ts runs it with each client.
 */
import { pathToFileURL } from 'node:url'
import { Client as Client2, StreamableHTTPClientTransport as Transport2 } from '@modelcontextprotocol/client'
import { Client as Client1 } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport as Transport1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js'

interface Progress { progress: number, total?: number }
interface ToolResult { isError?: boolean, content?: unknown, structuredContent?: unknown }

/** What the session needs of a client: the two SDKs' clients, behind one face. */
interface Session {
  listTools: () => Promise<Array<{ name: string, annotations?: Record<string, unknown>, outputSchema?: unknown }>>
  callTool: (name: string, args: Record<string, unknown>, onprogress?: (p: Progress) => void) => Promise<ToolResult>
  listResourceTemplates: () => Promise<string[]>
  readResource: (uri: string) => Promise<string>
  close: () => Promise<void>
}

/** A connected session with the client of `sdk` ('1', '2' or '2026'); rejects when the client cannot connect. */
export async function open (url: URL, sdk: string, headers: Record<string, string>): Promise<Session> {
  if (sdk === '1') {
    const client = new Client1({ name: 'mcp-session', version: '1.0.0' })
    await client.connect(new Transport1(url, { requestInit: { headers } }))
    return {
      listTools: async () => (await client.listTools()).tools,
      callTool: async (name, args, onprogress) => await client.callTool({ name, arguments: args }, undefined, onprogress === undefined ? {} : { onprogress }) as ToolResult,
      listResourceTemplates: async () => (await client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate),
      readResource: async (uri) => textOf((await client.readResource({ uri })).contents[0]),
      close: () => client.close()
    }
  }
  const client = new Client2({ name: 'mcp-session', version: '1.0.0' }, sdk === '2026' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {})
  await client.connect(new Transport2(url, { requestInit: { headers } }))
  return {
    listTools: async () => (await client.listTools()).tools,
    callTool: async (name, args, onprogress) => await client.callTool({ name, arguments: args }, onprogress === undefined ? {} : { onprogress }) as ToolResult,
    listResourceTemplates: async () => (await client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate),
    readResource: async (uri) => textOf((await client.readResource({ uri })).contents[0]),
    close: () => client.close()
  }
}

const textOf = (content: unknown) => (content as { text?: string } | undefined)?.text ?? ''
const texts = (result: ToolResult) => (result.content as Array<{ type: string, text?: string }> | undefined ?? []).flatMap((c) => c.type === 'text' ? [c.text ?? ''] : [])

function check (ok: boolean, what: string, detail: unknown = ''): void {
  if (!ok) {
    console.log(`not ok - ${what} ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`)
    process.exit(1)
  }
  console.log(`ok - ${what}`)
}

async function main (): Promise<void> {
  const [raw, flag, sdk = '2'] = process.argv.slice(2)
  if (raw === undefined || (flag !== undefined && flag !== '--sdk') || !['1', '2', '2026'].includes(sdk)) {
    console.error('usage: npx tsx scripts/mcp-session.ts <url of /mcp> [--sdk 1|2|2026]')
    process.exit(2)
  }
  const key = process.env.MCP_API_KEY
  const session = await open(new URL(raw), sdk, key === undefined ? {} : { authorization: `Bearer ${key}` })
  try {
    const tools = await session.listTools()
    const names = tools.map((t) => t.name)
    check(names.includes('batch_get_listings') && names.includes('search_bookings'), `tools/list: ${names.length} tools`, names)
    check(tools.every((t) => typeof t.annotations?.readOnlyHint === 'boolean' && t.outputSchema !== undefined), 'every tool has annotations and an output schema')

    const batch = await session.callTool('batch_get_listings', { ids: [1, 2, 999999, 4] })
    const body = batch.structuredContent as { success_count: number, failure_count: number, failed: Array<{ operation_id: string, error_type: string }> }
    check(batch.isError !== true && body.success_count === 3 && body.failure_count === 1, 'batch_get_listings [1, 2, 999999, 4]: 3 succeeded, 1 failed', body)
    check(body.failed[0]?.operation_id === '999999' && body.failed[0]?.error_type === 'not_found', '999999 is not_found')
    check(/^Looked up 4 listings: 3 succeeded, 1 failed\./.test(texts(batch)[0] ?? ''), 'the summary comes first', texts(batch)[0])
    check(JSON.stringify(JSON.parse(texts(batch)[1] ?? 'null')) === JSON.stringify(body), 'then the result once, as JSON text')

    const progress: Progress[] = []
    await session.callTool('batch_get_bookings', { ids: [1, 2, 3] }, (p) => progress.push(p))
    check(progress.length > 0 && progress.at(-1)?.progress === 3 && progress.at(-1)?.total === 3, `progress notifications: ${progress.map((p) => `${p.progress}/${p.total ?? '?'}`).join(' ')}`, progress)

    const bad = await session.callTool('get_listing', { listing_id: '1' })
    check(bad.isError === true && /arguments\/listing_id must be integer/.test(texts(bad)[0] ?? ''), 'bad arguments: isError naming the argument', texts(bad))

    const templates = await session.listResourceTemplates()
    check(templates.includes('hostaway://listings/{id}') && templates.includes('hostaway://bookings/{id}'), `resources/templates/list: ${templates.join(', ')}`)
    const listing = JSON.parse(await session.readResource('hostaway://listings/1')) as { id?: number }
    check(listing.id === 1, 'resources/read hostaway://listings/1')
  } finally {
    await session.close()
  }
}

// run as a script (imported, e.g. by test/mcp/clients.test.ts, it only exports `open`)
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main()
