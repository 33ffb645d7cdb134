import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import t from 'tap'
import { ownChild } from './fixtures/children.js'

// Packages a default instance does not need are not loaded until it does (docs/benchmarks.md,
// memory): without REDIS_URL neither the Redis client nor BullMQ (~18 and ~24 MB of memory), and
// the MCP SDK with zod (~25 MB) only at the first /mcp exchange. A fresh process, since this one
// has loaded whatever other tests needed; the module recorder sees every module it resolves.
t.test('a default instance loads the MCP SDK at the first /mcp exchange, and never Redis or BullMQ', async (t) => {
  const fixtures = join(import.meta.dirname, 'fixtures')
  const child = ownChild(t, spawn(process.execPath, ['--import', 'tsx', '--import', join(fixtures, 'module-recorder.mjs'), join(fixtures, 'lazy-modules.ts')], {
    env: { ...process.env, FASTIFY_AUTOLOAD_TYPESCRIPT: '1' },
    stdio: ['ignore', 'pipe', 'inherit']
  }))
  let out = ''
  child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString() })
  const [code] = await once(child, 'exit') as [number | null]
  t.equal(code, 0, 'the child ran to its end')
  const steps = Object.fromEntries(out.trim().split('\n').map((l) => JSON.parse(l) as { step: string, packages: string[], status?: number }).map((s) => [s.step, s]))
  t.same(steps.start?.packages, [], 'started: none of them loaded')
  t.equal(steps.rest?.status, 200)
  t.same(steps.rest?.packages, [], 'after a REST batch: still none')
  t.equal(steps.mcp?.status, 200, 'the MCP exchange answered')
  t.same(steps.mcp?.packages, ['@modelcontextprotocol/server', '@modelcontextprotocol/node', 'zod'], 'after it: the MCP SDK and zod, still not Redis or BullMQ')
})
