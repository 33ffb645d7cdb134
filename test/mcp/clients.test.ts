import { test } from 'tap'
import { open } from '../../scripts/mcp-session.js'
import { run, serve } from './helper.js'

// The official TypeScript SDK's clients — 1.x (@modelcontextprotocol/sdk, the one most hosts embed
// today) and 2.x in both protocol eras — against the gateway over real HTTP with an API key sent as a
// Bearer token: each connects with the key and is refused without it (scripts/mcp-session.ts's own
// clients, in this process); the whole scripted session runs as a process with the 2026 client here, and
// with the other two, as docs/mcp.md writes the commands, in readme.test.ts.

const KEY = 'session-key-6a1f90'

for (const [sdk, client] of [['1', '@modelcontextprotocol/sdk 1.x'], ['2', '@modelcontextprotocol/client 2.x (2025 handshake)'], ['2026', '@modelcontextprotocol/client 2.x (2026-07-28)']] as const) {
  test(`${client} with an API key as a Bearer token: connects with the key, refused with a wrong one`, async (t) => {
    const { url } = await serve(t, { API_KEYS: KEY })
    const session = await open(url, sdk, { authorization: `Bearer ${KEY}` })
    t.ok((await session.listTools()).some((tool) => tool.name === 'batch_get_listings'), 'tools/list with the key')
    await session.close()
    await t.rejects(open(url, sdk, { authorization: 'Bearer wrong' }), /401/, 'a wrong key: the client cannot connect (401)')
  })
}

test('the scripted session with the 2026-07-28 client and a key: tools, a partly failed batch, progress, bad arguments, resources', async (t) => {
  const { url } = await serve(t, { API_KEYS: KEY })
  const { code, out } = await run(t, process.execPath, ['--import', 'tsx', 'scripts/mcp-session.ts', url.href, '--sdk', '2026'], { MCP_API_KEY: KEY })
  t.equal(code, 0, 'the session passes', { out })
  t.notMatch(out, /not ok/)
  t.match(out, /ok - batch_get_listings \[1, 2, 999999, 4\]: 3 succeeded, 1 failed/)
  t.match(out, /ok - progress notifications: 1\/3 2\/3 3\/3/)
  t.match(out, /ok - resources\/read hostaway:\/\/listings\/1/)
})
