import { spawn } from 'node:child_process'
import { join } from 'node:path'
import t from 'tap'
import pino from 'pino'
import { createRedisBudget } from '../../services/redis/budget.js'
import { createRedisConnection, RedisUnavailableError } from '../../services/redis/connection.js'
import { accountKeys } from '../../services/redis/keys.js'
import { until } from '../reliability/helper.js'
import { budgetLimits } from './budget-limits.js'
import { redisSkip, startRedis } from './server.js'
import { ownChild } from '../fixtures/children.js'
import { NO_TELEMETRY } from '../../services/telemetry.js'

const log = pino({ level: 'silent' })
const keys = accountKeys('10000')

/** Most of `times` (µs, any order) within any window of `windowUs`. */
function mostInWindow (times: number[], windowUs: number): number {
  const sorted = [...times].sort((a, b) => a - b)
  let most = 0
  let from = 0
  for (let i = 0; i < sorted.length; i++) {
    while (sorted[i] - sorted[from] >= windowUs) from++
    most = Math.max(most, i - from + 1)
  }
  return most
}

/** A child process taking slots for `runMs` (test/redis/budget-child.ts). */
function child (t: { teardown: (fn: () => unknown) => void }, url: string, egress: string, runMs: number) {
  const proc = ownChild(t, spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'budget-child.ts'), url, egress, String(runMs)], { stdio: ['pipe', 'pipe', 'inherit'] }))
  let out = ''
  let onReady: () => void = () => {}
  const ready = new Promise<void>((resolve) => { onReady = resolve })
  proc.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString()
    if (out.startsWith('ready\n')) onReady()
  })
  const result = new Promise<{ egress: string, grants: number[] }>((resolve, reject) => {
    proc.once('exit', (code) => code === 0 ? resolve(JSON.parse(out.slice('ready\n'.length))) : reject(new Error(`budget child exited with ${code}`)))
  })
  return { ready, go: () => proc.stdin.end('go\n'), result }
}

t.test('three processes, two egress ids: both budgets hold exactly, on Redis time, and every process gets slots', { skip: redisSkip }, async (t) => {
  const redis = await startRedis(t)
  const children = [child(t, redis.url, 'host-a', 1500), child(t, redis.url, 'host-a', 1500), child(t, redis.url, 'host-b', 1500)]
  await Promise.all(children.map((c) => c.ready))
  for (const c of children) c.go()
  const results = await Promise.all(children.map((c) => c.result))
  const windowUs = budgetLimits.windowMs * 1000
  const all = results.flatMap((r) => r.grants)
  const egressA = results.filter((r) => r.egress === 'host-a').flatMap((r) => r.grants)
  const egressB = results.filter((r) => r.egress === 'host-b').flatMap((r) => r.grants)
  t.equal(mostInWindow(all, windowUs), budgetLimits.account, `the account budget: at most ${budgetLimits.account} in any window, and reached`)
  t.ok(mostInWindow(egressA, windowUs) <= budgetLimits.ip, `egress host-a: at most ${budgetLimits.ip} in any window (${mostInWindow(egressA, windowUs)})`)
  t.ok(mostInWindow(egressB, windowUs) <= budgetLimits.ip, `egress host-b: at most ${budgetLimits.ip} in any window (${mostInWindow(egressB, windowUs)})`)
  // 1.5 s of 300 ms windows at 6 per window: 30 slots at most; contention leaves none idle for long
  t.ok(all.length >= 20 && all.length <= 36, `${all.length} slots in all`)
  for (const [i, r] of results.entries()) t.ok(r.grants.length >= 3, `process ${i + 1} (${r.egress}) took ${r.grants.length} slots`)
})

function budgetOn (connection: ReturnType<typeof createRedisConnection>, egress: string, extra: Partial<Parameters<typeof createRedisBudget>[0]> = {}) {
  return createRedisBudget({
    connection,
    logs: [{ key: keys.budgetAccount, cap: 3 }, { key: keys.budgetEgress(egress), cap: 2 }],
    sinceKey: keys.budgetSince,
    windowMs: 60_000,
    freshStateWaitMs: 0,
    jitterMs: 0,
    random: Math.random,
    now: () => performance.now(),
    log,
    ...extra
  })
}

t.test('one take, both logs; the egress id decides which IP budget; giveBack frees the slot; waits are answered, not polled', { skip: redisSkip }, async (t) => {
  const redis = await startRedis(t)
  const connection = createRedisConnection({ telemetry: NO_TELEMETRY, url: redis.url, timeoutMs: 2000, log })
  await connection.start()
  t.teardown(() => connection.close())
  const a1 = budgetOn(connection, 'a')
  const a2 = budgetOn(connection, 'a')
  const b = budgetOn(connection, 'b')
  t.equal(await a1.take(), 0)
  t.equal(await a2.take(), 0)
  const waitA = await a1.take()
  t.ok(waitA > 59_000 && waitA <= 60_000, `egress a is full (2): wait ${waitA} ms, until its oldest slot leaves the window`)
  t.equal(a1.inWindow(), 2)
  t.ok(a1.nextSlotInMs() > 59_000, 'nextSlotInMs from the last answer')
  t.equal(await b.take(), 0, 'egress b has its own IP budget')
  const waitB = await b.take()
  t.ok(waitB > 59_000, `the account is full (3): egress b waits too (${waitB} ms)`)
  t.same(await connection.command(['ZCARD', keys.budgetAccount]), 3)
  t.same(await connection.command(['ZCARD', keys.budgetEgress('a')]), 2)
  b.giveBack()
  t.same(await connection.command(['ZCARD', keys.budgetAccount]), 2, 'the slot given back left both logs')
  t.same(await connection.command(['ZCARD', keys.budgetEgress('b')]), 0)
  t.equal(await b.take(), 0, 'and is taken again at once')
  t.ok(await a1.take() > 0, 'egress a is still full')
})

t.test('a Redis that lost its logs: nobody takes a slot for one window; unavailable: take fails at once, and works again when Redis is back', { skip: redisSkip }, async (t) => {
  const redis = await startRedis(t)
  const connection = createRedisConnection({ telemetry: NO_TELEMETRY, url: redis.url, timeoutMs: 2000, log })
  await connection.start()
  t.teardown(() => connection.close())
  const budget = budgetOn(connection, 'a', { windowMs: 400, freshStateWaitMs: undefined, jitterMs: 20 })
  const first = await budget.take()
  t.ok(first >= 390 && first <= 420, `a fresh Redis: wait one window (+ jitter ≤ 20 ms): ${first} ms`)
  t.same(await connection.command(['ZCARD', keys.budgetAccount]), 0, 'nothing taken')
  await new Promise((resolve) => setTimeout(resolve, first))
  t.equal(await budget.take(), 0, 'a window later: the slot')

  await redis.stop()
  const err = await Promise.resolve(budget.take()).catch((e: unknown) => e)
  t.ok(err instanceof RedisUnavailableError, 'Redis stopped: take rejects')
  t.match(err, { error_type: 'unprocessed', retryable: true, retry_after_ms: 1000, message: /^Not sent: the shared state \(Redis at .*redis\.sock\) is unavailable: / })
  await redis.start()
  await until(() => connection.available(), 10_000, 'the reconnection')
  const after = await budget.take()
  t.ok(after >= 390 && after <= 420, `the restarted Redis lost the logs: one window again (${after} ms)`)
})
