import { test } from 'tap'
import { open } from '../../scripts/mcp-session.js'
import { run, serve } from './helper.js'

// The scripted session of scripts/mcp-session.ts, with the official TypeScript SDK's 1.x client
// (@modelcontextprotocol/sdk, the one most hosts embed today) and its 2.x client in both protocol eras,
// against the gateway over real HTTP with an API key sent as a Bearer token.

const KEY = 'session-key-6a1f90'

for (const [sdk, client] of [['1', '@modelcontextprotocol/sdk 1.x'], ['2', '@modelcontextprotocol/client 2.x (2025 handshake)'], ['2026', '@modelcontextprotocol/client 2.x (2026-07-28)']] as const) {
  test(`a scripted session with ${client}: tools, a partly failed batch, progress, bad arguments, resources`, async (t) => {
    const { url } = await serve(t, { API_KEYS: KEY })
    const { code, out } = await run(t, process.execPath, ['--import', 'tsx', 'scripts/mcp-session.ts', url.href, '--sdk', sdk], { MCP_API_KEY: KEY })
    t.equal(code, 0, 'the session passes', { out })
    t.notMatch(out, /not ok/)
    t.match(out, /ok - batch_get_listings \[1, 2, 999999, 4\]: 3 succeeded, 1 failed/)
    t.match(out, /ok - progress notifications: 1\/3 2\/3 3\/3/)
    t.match(out, /ok - resources\/read hostaway:\/\/listings\/1/)

    // the script's own client, in this process (a second process per client would cost seconds of CPU)
    await t.rejects(open(url, sdk, { authorization: 'Bearer wrong' }), /401/, 'a wrong key: the client cannot connect (401)')
  })
}
