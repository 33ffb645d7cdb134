import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { ownChild } from './fixtures/children.js'
import { until } from './reliability/helper.js'

// Every child process a test starts (server.ts, sandboxes, redis-server) dies with the test
// process, however it ends: tap's timeout (SIGALRM), an interrupted run (SIGINT, SIGTERM, SIGHUP),
// a crash or process.exit — no teardown runs in any of these.

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function owner (t: Test, mode: string) {
  const proc = ownChild(t, spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'children-owner.ts'), mode], { stdio: ['ignore', 'pipe', 'ignore'] }))
  let out = ''
  proc.stdout.on('data', (chunk: Buffer) => { out += chunk.toString() })
  await until(() => out.includes('\n'), 30_000, 'the child started')
  const pid = Number(out.trim())
  t.ok(alive(pid), `child ${pid} running`)
  return { proc, pid, exit: once(proc, 'exit') as Promise<[number | null, NodeJS.Signals | null]> }
}

// (SIGINT and SIGHUP take the path of SIGTERM; process.exit the path of a crash)
for (const signal of ['SIGALRM', 'SIGTERM'] as const) {
  t.test(`the test process dies of ${signal}: its child dies too`, async (t) => {
    const { proc, pid, exit } = await owner(t, signal === 'SIGALRM' ? 'stop' : 'wait')
    proc.kill(signal)
    t.same(await exit, [null, signal], `the test process died of ${signal}, as it would have`)
    await until(() => !alive(pid), 10_000, 'the child gone')
    t.notOk(alive(pid), 'the child is gone')
  })
}

for (const mode of ['throw']) {
  t.test(`the test process ends by itself (${mode}) before any teardown: its child dies too`, async (t) => {
    const { pid, exit } = await owner(t, mode)
    const [code] = await exit
    t.not(code, 0)
    await until(() => !alive(pid), 10_000, 'the child gone')
    t.notOk(alive(pid), 'the child is gone')
  })
}

t.test('at the teardown of the test, a child still running is killed', async (t) => {
  let pid = 0
  await t.test('a test that leaves its child running', async (t) => {
    pid = ownChild(t, spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' })).pid ?? 0
    t.ok(alive(pid))
  })
  await until(() => !alive(pid), 10_000, 'the child gone')
  t.notOk(alive(pid), 'killed at the teardown')
})
