import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ownChild } from '../fixtures/children.js'
import type { Teardown } from '../fixtures/harness.js'

/** How to get what these tests need. */
export const REDIS_HINT = 'install redis-server (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis)'

/**
 * The `skip` option of the tests that need a redis-server: the reason when there is none here,
 * false when there is — or under CI (CI=true, as `.ci/run` sets), where a missing redis-server is
 * a failure (startRedis says what to install), never a quiet skip. `npm test` leaves these test
 * files out with one line instead (test/run.mjs).
 */
export const redisSkip: string | false = process.env.CI === 'true' || spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0
  ? false
  : `redis-server is not installed: ${REDIS_HINT}`

export interface TestRedis {
  /** unix:///…/redis.sock: the REDIS_URL of the gateways under test */
  url: string
  /** Stop the server (SIGTERM, waits for the exit): its data is gone (no persistence). */
  stop: () => Promise<void>
  /** Start it again on the same socket. */
  start: () => Promise<void>
  /** Freeze / thaw the process (SIGSTOP / SIGCONT): connected, but answering nothing. */
  pause: () => void
  resume: () => void
}

/**
 * A redis-server of the test's own (Debian's package, 7.0; `.ci/run` installs it): a unix socket
 * in a fresh temporary folder, no TCP port, no persistence; stopped with the test.
 */
export async function startRedis (t: Teardown, args: string[] = []): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'hgw-redis-'))
  const socket = join(dir, 'redis.sock')
  let proc: ChildProcess | undefined

  async function start (): Promise<void> {
    const child = ownChild(t, spawn('redis-server', ['--port', '0', '--unixsocket', socket, '--save', '', '--appendonly', 'no', '--dir', dir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }))
    proc = child
    await new Promise<void>((resolve, reject) => {
      let out = ''
      child.once('error', (err) => reject(new Error(`redis-server could not start (${err.message}): ${REDIS_HINT}`)))
      child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${out}`)))
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        if (/ready to accept connections/i.test(out)) resolve()
      })
    })
    child.removeAllListeners('exit')
  }

  async function stop (): Promise<void> {
    const child = proc
    proc = undefined
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGCONT')
    child.kill('SIGTERM')
    await exited
  }

  await start()
  t.teardown(async () => {
    await stop()
    rmSync(dir, { recursive: true, force: true })
  })
  return {
    url: `unix://${socket}`,
    stop,
    start,
    pause: () => { proc?.kill('SIGSTOP') },
    resume: () => { proc?.kill('SIGCONT') }
  }
}
