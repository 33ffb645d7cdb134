import { test } from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT, run, serve } from './helper.js'

// docs/mcp.md's "Connecting a client" commands, run as written (bash, from the repository's root) against
// a gateway on the embedded sandbox's data, only the port changed; the curl answer shown must be the answer.

/** The fenced blocks of docs/mcp.md's "### Connecting a client" up to the manual checks (Inspector, desktop clients). */
function blocks (): Array<{ lang: string, body: string }> {
  const readme = readFileSync(join(ROOT, 'docs', 'mcp.md'), 'utf8')
  const start = readme.indexOf('\n### Connecting a client\n')
  const section = readme.slice(start, readme.indexOf('\n**MCP Inspector**', start))
  return [...section.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], body: m[2].trimEnd() }))
}

test('docs/mcp.md\'s MCP commands run as written and answer what it shows', async (t) => {
  const found = blocks()
  const curl = found.findIndex((b) => b.lang === 'sh' && b.body.startsWith('curl '))
  t.ok(curl >= 0, 'a curl example')
  t.equal(found[curl + 1]?.lang, 'text', 'followed by its answer')
  const scripts = found.filter((b) => b.lang === 'sh' && b.body.startsWith('npx tsx scripts/')).flatMap((b) => b.body.split('\n'))
  // the whole session with the 2.x client (2025 handshake) and the 1.x one (clients.test.ts runs the 2026 one)
  t.same(scripts.map((c) => c.replace(/^.* http\S+/, '')), ['', ' --sdk 1'], 'the scripted sessions: SDK 2.x, then 1.x')

  const { url } = await serve(t)
  const here = (command: string) => command.replace(/(?:localhost|127\.0\.0\.1):3000/g, url.host)

  const answer = await run(t, 'bash', ['-c', here(found[curl].body)])
  t.equal(answer.code, 0)
  t.equal(answer.out.trimEnd(), found[curl + 1].body, 'the answer docs/mcp.md shows')

  for (const command of scripts) {
    const { code, out } = await run(t, 'bash', ['-c', here(command)])
    t.equal(code, 0, command, { out })
    t.notMatch(out, /not ok/)
    t.match(out, /ok - batch_get_listings \[1, 2, 999999, 4\]: 3 succeeded, 1 failed/)
    t.match(out, /ok - progress notifications: 1\/3 2\/3 3\/3/)
    t.match(out, /ok - resources\/read hostaway:\/\/listings\/1/)
  }
})
