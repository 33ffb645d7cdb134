import { spawn } from 'node:child_process'
import { join } from 'node:path'
import t from 'tap'
import pino from 'pino'
import type { Slot } from '../../services/limiter/budget.js'
import { createRedisBudget } from '../../services/limiter/redis-budget.js'
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
    logs: [
      { key: keys.budgetAccount, pendingKey: keys.budgetPending(keys.budgetAccount), cap: 3 },
      { key: keys.budgetEgress(egress), pendingKey: keys.budgetPending(keys.budgetEgress(egress)), cap: 2 }
    ],
    sinceKey: keys.budgetSince,
    windowMs: 60_000,
    freshStateWaitMs: 0,
    pendingLeaseMs: 60_000,
    jitterMs: 0,
    random: Math.random,
    now: () => performance.now(),
    log,
    ...extra
  })
}

/** The slot a take answered (it must have answered one). */
function slotOf (answer: Slot | number): Slot {
  if (typeof answer === 'number') throw new Error(`no slot: wait ${answer} ms`)
  return answer
}

/** A number a take answered: the wait (it must not have granted a slot). */
function waitOf (answer: Slot | number): number {
  if (typeof answer !== 'number') throw new Error('a slot was granted')
  return answer
}

const zcard = async (connection: ReturnType<typeof createRedisConnection>, key: string) => Number(await connection.command(['ZCARD', key]))

t.test('one take, both logs; the egress id decides which IP budget; giveBack frees the slot; waits are answered, not polled', { skip: redisSkip }, async (t) => {
  const redis = await startRedis(t)
  const connection = createRedisConnection({ telemetry: NO_TELEMETRY, url: redis.url, timeoutMs: 2000, log })
  await connection.start()
  t.teardown(() => connection.close())
  const a1 = budgetOn(connection, 'a')
  const a2 = budgetOn(connection, 'a')
  const b = budgetOn(connection, 'b')
  slotOf(await a1.take()).sent()
  const written = slotOf(await a2.take())
  written.sent()
  const waitA = waitOf(await a1.take())
  t.ok(waitA > 59_000 && waitA <= 60_000, `egress a is full (2): wait ${waitA} ms, until its oldest slot leaves the window`)
  t.equal(a1.inWindow(), 2)
  t.ok(a1.nextSlotInMs() > 59_000, 'nextSlotInMs from the last answer')
  const unused = slotOf(await b.take())
  t.pass('egress b has its own IP budget')
  const waitB = waitOf(await b.take())
  t.ok(waitB > 59_000, `the account is full (3): egress b waits too (${waitB} ms)`)
  await until(async () => await zcard(connection, keys.budgetAccount) === 2, 5000, 'the two writes recorded')
  t.equal(await zcard(connection, keys.budgetPending(keys.budgetAccount)), 1, 'b\'s slot is pending: granted, not written')
  t.equal(await zcard(connection, keys.budgetEgress('a')), 2)
  unused.giveBack()
  t.equal(await zcard(connection, keys.budgetPending(keys.budgetAccount)), 0, 'the slot given back left both budgets')
  t.equal(await zcard(connection, keys.budgetPending(keys.budgetEgress('b'))), 0)
  slotOf(await b.take())
  t.pass('and is taken again at once')
  t.ok(waitOf(await a1.take()) > 0, 'egress a is still full')
  written.giveBack()
  t.equal(await zcard(connection, keys.budgetEgress('a')), 2, 'a slot whose request was written cannot be given back')
})

t.test('a slot counts from when its request is written, on Redis time; until then as written now; past its lease, as written when the lease ended', { skip: redisSkip }, async (t) => {
  const redis = await startRedis(t)
  const connection = createRedisConnection({ telemetry: NO_TELEMETRY, url: redis.url, timeoutMs: 2000, log })
  await connection.start()
  t.teardown(() => connection.close())
  const grants: number[] = []
  const writes: number[] = []
  const onGrant = (at: number) => grants.push(at)
  const onSent = (at: number) => writes.push(at)
  // two slots per egress per minute; the account budget (3) leaves room
  const a = budgetOn(connection, 'a', { onGrant, onSent })
  const other = budgetOn(connection, 'a')
  const late = slotOf(await a.take())
  await new Promise((resolve) => setTimeout(resolve, 300))
  slotOf(await other.take()).giveBack()
  const pendingSlot = slotOf(await other.take())
  const whileUnwritten = waitOf(await a.take())
  t.ok(whileUnwritten >= 59_990, `two slots not written yet count as written now: a whole window to wait (${whileUnwritten} ms), not 300 ms less`)
  pendingSlot.giveBack()
  await new Promise((resolve) => setTimeout(resolve, 200))
  late.sent()
  await until(() => writes.length === 1, 5000, 'the write recorded')
  const member = (await connection.command(['ZRANGE', keys.budgetEgress('a'), '0', '-1'])) as string[]
  t.equal(member.length, 1)
  const score = Number(await connection.command(['ZSCORE', keys.budgetEgress('a'), member[0]]))
  t.equal(score, writes[0], 'scored by Redis time when its write was reported')
  t.ok(score - grants[0] >= 500_000, `counted from its write, ${Math.round((score - grants[0]) / 1000)} ms after its grant`)

  // an instance that never reports the write (it died): counted as written when its lease ends
  await connection.command(['DEL', keys.budgetEgress('b'), keys.budgetPending(keys.budgetEgress('b')), keys.budgetAccount, keys.budgetPending(keys.budgetAccount)])
  const dies = budgetOn(connection, 'b', { pendingLeaseMs: 200, onGrant })
  slotOf(await dies.take())
  slotOf(await dies.take())
  const lost = grants[grants.length - 2]
  const survivor = budgetOn(connection, 'b', { pendingLeaseMs: 200 })
  t.ok(waitOf(await survivor.take()) >= 59_990, 'within the lease: as written now')
  await new Promise((resolve) => setTimeout(resolve, 250))
  const after = waitOf(await survivor.take())
  const logged = (await connection.command(['ZRANGE', keys.budgetEgress('b'), '0', '-1', 'WITHSCORES'])) as Array<[string, number]>
  t.equal(logged.length, 2, 'both moved from the pending set into the log')
  t.equal(Number(logged[0][1]), lost + 200_000, 'scored at the end of their lease')
  t.equal(await zcard(connection, keys.budgetPending(keys.budgetEgress('b'))), 0)
  t.ok(after < 59_990 && after > 50_000, `then it leaves the window a window after its lease ended (${after} ms)`)
})

t.test('the lag margin lengthens this instance\'s window; entries are kept for the longest window', { skip: redisSkip }, async (t) => {
  const redis = await startRedis(t)
  const connection = createRedisConnection({ telemetry: NO_TELEMETRY, url: redis.url, timeoutMs: 2000, log })
  await connection.start()
  t.teardown(() => connection.close())
  let lag = 0
  const budget = budgetOn(connection, 'a', { windowMs: 400, lagMarginMs: () => lag, maxLagMarginMs: 60_000 })
  slotOf(await budget.take()).sent()
  slotOf(await budget.take()).sent()
  await new Promise((resolve) => setTimeout(resolve, 450))
  lag = 30_000
  t.equal(budget.lagMarginMs?.(), 30_000)
  const wait = waitOf(await budget.take())
  t.ok(wait > 29_000 && wait <= 30_400, `a window of 400 + 30 000 ms: the slots written 450 ms ago still count (wait ${wait} ms)`)
  lag = 90_000
  t.equal(budget.lagMarginMs?.(), 60_000, 'never more than the most it was built for')
  lag = 0
  slotOf(await budget.take())
  t.pass('without the margin, the window is 400 ms again')
})

t.test('a Redis that lost its logs: nobody takes a slot for one window; unavailable: take fails at once, and works again when Redis is back', { skip: redisSkip }, async (t) => {
  const redis = await startRedis(t)
  const connection = createRedisConnection({ telemetry: NO_TELEMETRY, url: redis.url, timeoutMs: 2000, log })
  await connection.start()
  t.teardown(() => connection.close())
  const budget = budgetOn(connection, 'a', { windowMs: 400, freshStateWaitMs: undefined, jitterMs: 20 })
  const first = waitOf(await budget.take())
  t.ok(first >= 390 && first <= 420, `a fresh Redis: wait one window (+ jitter ≤ 20 ms): ${first} ms`)
  t.same(await connection.command(['ZCARD', keys.budgetAccount]), 0, 'nothing taken')
  await new Promise((resolve) => setTimeout(resolve, first))
  slotOf(await budget.take()).sent()
  t.pass('a window later: the slot')

  await redis.stop()
  const err = await Promise.resolve(budget.take()).catch((e: unknown) => e)
  t.ok(err instanceof RedisUnavailableError, 'Redis stopped: take rejects')
  t.match(err, { error_type: 'unprocessed', retryable: true, retry_after_ms: 1000, message: /^Not sent: the shared state \(Redis at .*redis\.sock\) is unavailable: / })
  await redis.start()
  await until(() => connection.available(), 10_000, 'the reconnection')
  const after = waitOf(await budget.take())
  t.ok(after >= 390 && after <= 420, `the restarted Redis lost the logs: one window again (${after} ms)`)
})
