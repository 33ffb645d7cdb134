import { test } from 'tap'
import { spawn } from 'node:child_process'
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT, run } from './mcp/helper.js'
import { serve, until } from './reliability/helper.js'
import { ownChild } from './fixtures/children.js'
import { redisSkip, startRedis } from './redis/server.js'
import { sandbox as startTestSandbox } from './helper.js'
import { sandboxUpstream } from './fixtures/harness.js'

// The shell and TypeScript examples of docs/*.md, executed as written (bash, the gateway's address
// put in for localhost:3000) against a started gateway, each answer compared with what the page
// shows. docs/mcp.md's are run by test/mcp/readme.test.ts; two cannot run here and say why below.

interface Block { file: string, lang: string, body: string }

function docBlocks (): Block[] {
  return readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).flatMap((file) =>
    [...readFileSync(join(ROOT, 'docs', file), 'utf8').matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ file, lang: m[1], body: m[2].trimEnd() })))
}

/** The example of `file` whose text includes `marker` (exactly one). */
function example (file: string, marker: string): string {
  const found = docBlocks().filter((b) => b.file === file && b.body.includes(marker))
  if (found.length !== 1) throw new Error(`${file}: ${found.length} examples include ${marker}`)
  return found[0].body
}

/** The examples that cannot run in a test, with the reason. */
const NOT_RUN: Record<string, string> = {
  'api.md https://api.hostaway.com/v1/webhooks/unifiedWebhooks': 'registers the receiver with Hostaway itself: needs a real account\'s token and the network (the sandbox has no webhook registration)',
  'mcp.md @modelcontextprotocol/inspector': 'downloads the MCP Inspector from the npm registry and needs Node ≥ 22.7.5 (said on the page)'
}
/** The examples another test runs. */
const RUN_ELSEWHERE: Record<string, string> = {
  'mcp.md curl -s localhost:3000/mcp': 'test/mcp/readme.test.ts',
  'mcp.md npx tsx scripts/mcp-session.ts': 'test/mcp/readme.test.ts'
}
/** The examples this file runs (by a marker of their text). */
const RUN_HERE = [
  'api.md "ids":[1,2,999999,4]',
  'api.md npx openapi-typescript openapi.json',
  'api.md import createClient from \'openapi-fetch\'',
  'api.md localhost:3000/webhooks/hostaway',
  'api.md localhost:3000/api/calendar/batch',
  'jobs.md # 1. start: 202 and the job',
  'operations.md scrape_configs:',
  'scaling-redis.md REDIS_URL=redis://127.0.0.1:6379'
]

const here = (command: string, host: string) => command.replace(/(?:localhost|127\.0\.0\.1):3000/g, host)

test('every shell, TypeScript and configuration example of docs/ is run by a test, or says why it cannot be', async (t) => {
  const all = [...RUN_HERE, ...Object.keys(NOT_RUN), ...Object.keys(RUN_ELSEWHERE)]
  for (const block of docBlocks().filter((b) => ['sh', 'bash', 'ts', 'yaml'].includes(b.lang))) {
    const covered = all.filter((key) => key.startsWith(`${block.file} `) && block.body.includes(key.slice(block.file.length + 1)))
    t.ok(covered.length > 0, `docs/${block.file}: ${block.body.split('\n')[0]}`)
  }
})

test('docs/api.md: the seed curl, the SDK lines and the TS client (open, then with a key), the webhook curl', async (t) => {
  const webhook = { HOSTAWAY_WEBHOOK_USER: 'hostaway', HOSTAWAY_WEBHOOK_PASSWORD: 'docs-hook-secret' }
  const open = await serve(t, webhook)
  const host = new URL(open.url).host

  const seed = await run(t, 'bash', ['-c', here(example('api.md', '"ids":[1,2,999999,4]'), host)])
  t.equal(seed.code, 0)
  t.match(JSON.parse(seed.out), { total_count: 4, success_count: 3, failure_count: 1, failed: [{ operation_id: '999999', error_type: 'not_found', status_code: 404 }] }, 'the seed scenario as shown')

  // the two SDK lines, then the client, in a directory of their own (npx finds the repository's tools)
  const dir = t.testdir()
  const sdk = await run(t, 'bash', ['-c', `cd ${JSON.stringify(dir)} && ${here(example('api.md', 'npx openapi-typescript openapi.json'), host)}`])
  t.equal(sdk.code, 0, `openapi.json fetched, api.d.ts generated${sdk.code === 0 ? '' : `: ${sdk.out}`}`)
  t.match(readFileSync(join(dir, 'api.d.ts'), 'utf8'), /"\/api\/batch\/listings"/, 'api.d.ts has the paths')
  writeFileSync(join(dir, 'client.ts'), here(example('api.md', 'import createClient from \'openapi-fetch\''), host))
  const client = await run(t, 'bash', ['-c', `cd ${JSON.stringify(dir)} && npx tsx client.ts`])
  t.same([client.code, client.out.trim()], [0, '3 not_found'], 'the TS client, no key (API_KEYS unset)')

  const keyed = await serve(t, { API_KEYS: 'docs-key' })
  // the same file, pointed at the keyed gateway
  writeFileSync(join(dir, 'client.ts'), here(example('api.md', 'import createClient from \'openapi-fetch\''), new URL(keyed.url).host))
  const keyedRun = await run(t, 'bash', ['-c', `cd ${JSON.stringify(dir)} && npx tsx client.ts`], { API_KEY: 'docs-key' })
  t.same([keyedRun.code, keyedRun.out.trim()], [0, '3 not_found'], 'the TS client with API_KEY, against a gateway with API_KEYS')

  const calendar = await run(t, 'bash', ['-c', here(example('api.md', 'localhost:3000/api/calendar/batch'), host)])
  t.equal(calendar.code, 0)
  // no -s on this curl: its progress meter comes first (on stderr)
  t.match(JSON.parse(calendar.out.slice(calendar.out.indexOf('{'))), { total_count: 1, success_count: 1, failure_count: 0 }, 'the calendar batch: one range applied')

  const hook = example('api.md', 'localhost:3000/webhooks/hostaway')
  const [command, shown] = hook.split(/\n# /)
  const answer = await run(t, 'bash', ['-c', here(command, host)], webhook)
  t.equal(answer.code, 0)
  t.same(JSON.parse(answer.out), JSON.parse(shown.split(/\s{2,}/)[0]), 'the webhook curl answers what the page shows')
})

test('docs/operations.md: the Prometheus scrape configuration\'s bearer credentials read /metrics', async (t) => {
  const yaml = example('operations.md', 'scrape_configs:')
  const credentials = /credentials: ([\w-]+)/.exec(yaml)?.[1] ?? ''
  const entry = /an API_KEYS entry ([\w-]+:\w+)/.exec(yaml)?.[1] ?? ''
  t.equal(entry.split(':')[0], credentials, 'the key the comment says to configure is the one sent')
  const { url } = await serve(t, { API_KEYS: `docs-admin, ${entry}` })
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${credentials}` } })
  t.equal(res.status, 200)
  t.match(await res.text(), /^# HELP hostaway_/m, 'Prometheus text')
  t.equal((await fetch(`${url}/api/listings/1`, { headers: { authorization: `Bearer ${credentials}` } })).status, 403, 'and nothing else: the metrics scope only')
})

test('docs/scaling-redis.md: three instances from dist/ sharing one Redis', { skip: redisSkip }, async (t) => {
  const lines = example('scaling-redis.md', 'REDIS_URL=redis://127.0.0.1:6379').split('\n').filter((l) => !l.startsWith('#'))
  const redis = await startRedis(t)
  // the placeholders filled in: a Hostaway stand-in (the sandbox) and the test's Redis
  const upstream = await startTestSandbox(t, { rateWindowMs: 1000 })
  const env: Record<string, string> = {}
  for (const [, name, value] of lines[0].matchAll(/(\w+)=(\S+)/g)) env[name] = value
  t.same(Object.keys(env), ['HOSTAWAY_ACCOUNT_ID', 'HOSTAWAY_API_KEY', 'REDIS_URL'])
  Object.assign(env, { ...sandboxUpstream(upstream), REDIS_URL: redis.url })

  t.equal(lines[1], 'npm run build')
  // the build `npm run build` makes, skipped when dist/ is current (a forced rebuild costs tens of seconds here)
  const build = await run(t, process.execPath, [join(ROOT, 'scripts', 'build-if-stale.mjs')])
  t.equal(build.code, 0, `dist/ built${build.code === 0 ? '' : `: ${build.out}`}`)

  const instances = [...lines[2].matchAll(/PORT=(\d+) node (dist\/server\.js)/g)].map((m) => m[2])
  t.equal(instances.length, 3, 'three instances')
  const urls = await Promise.all(instances.map(async (script) => {
    // port 0 for the example's 3001-3003: tests listen on ephemeral ports only
    const child = ownChild(t, spawn(process.execPath, [script], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] }))
    let out = ''
    return await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        const m = /"msg":"Server listening at (http:\/\/127\.0\.0\.1:\d+)"/.exec(out)
        if (m !== null) resolve(m[1])
      })
      child.stderr.on('data', (chunk: Buffer) => { out += chunk.toString() })
      child.once('exit', (code) => reject(new Error(`instance exited with ${code}: ${out}`)))
    })
  }))
  // as a load balancer does: GET /ready on each until it says ready (at start the instances share one token fetch)
  for (const url of urls) {
    let last = ''
    await until(async () => {
      const ready = await fetch(`${url}/ready`)
      last = await ready.text()
      return ready.status === 200
    }, 30_000, `GET /ready on ${url}`).catch(() => {})
    t.match(JSON.parse(last), { status: 'ready', upstream: 'hostaway' }, `GET /ready on ${url}: ${last}`)
  }
  // the shared state: a batch update on one instance is replayed by another (Idempotency-Key results in Redis)
  const update = { method: 'PATCH', headers: { 'content-type': 'application/json', 'idempotency-key': 'docs-scaling-1' }, body: JSON.stringify({ updates: [{ listing_id: 1, price: 300 }] }) }
  const first = await fetch(`${urls[0]}/api/listings/batch`, update)
  t.equal(first.status, 200)
  const replay = await fetch(`${urls[2]}/api/listings/batch`, update)
  t.equal(replay.headers.get('idempotent-replayed'), 'true', 'another instance replays the stored result')
  t.same(await replay.json(), await first.json())
})

test('docs/jobs.md: start a job, watch its events, read its result', async (t) => {
  const { url } = await serve(t)
  const host = new URL(url).host
  const steps = example('jobs.md', '# 1. start: 202 and the job').split(/\n(?=# \d\. )/)
  const commands = steps.map((step) => step.split('\n').filter((l) => !l.startsWith('#')).join('\n').trim())
  t.equal(commands.length, 3, 'three steps')

  const start = await run(t, 'bash', ['-c', here(commands[0], host)])
  t.equal(start.code, 0)
  t.match(start.out, /^HTTP\/1\.1 202 Accepted/, '202, as shown')
  t.match(start.out, /^preference-applied: respond-async/im)
  const id = /^location: \/api\/jobs\/([\w-]+)/im.exec(start.out)?.[1] ?? ''
  t.match(JSON.parse(start.out.slice(start.out.indexOf('{'))), { id, operation: 'batchUpdateListings', total_count: 2 })

  // the page's `5d4f0a3e-…` stands for the id of step 1
  const withId = (command: string) => here(command, host).replace(/5d4f0a3e-…/g, id)
  const events = await run(t, 'bash', ['-c', withId(commands[1])])
  t.equal(events.code, 0, 'the stream ends with the job')
  t.match(events.out, /event: end\nid: \d+\ndata: \{[^\n]*"status":"completed"[^\n]*"success_count":2/, 'the end event, completed, as shown')

  // step 3 pipes to jq, which may not be installed: the curl is run, and jq's path read from its JSON
  const [curl, jq] = withId(commands[2]).split(' | jq ')
  t.equal(jq, '.result.success_count')
  const result = await run(t, 'bash', ['-c', curl])
  t.equal((JSON.parse(result.out) as { result: { success_count: number } }).result.success_count, 2)
})
