// One process taking slots from the shared Redis budget as fast as it may, for test/redis/budget.test.ts:
// argv: REDIS_URL, egress id, run time (ms); writes each request at once (`sent`) and prints the Redis time (µs)
// of every slot it took, as JSON.
import pino from 'pino'
import { createRedisBudget } from '../../services/limiter/redis-budget.js'
import { createRedisConnection } from '../../services/redis/connection.js'
import { accountKeys } from '../../services/redis/keys.js'
import { budgetLimits } from './budget-limits.js'
import { NO_TELEMETRY } from '../../services/telemetry.js'

const [url, egress, runMs] = process.argv.slice(2)
const log = pino({ level: 'silent' })
const connection = createRedisConnection({ telemetry: NO_TELEMETRY, url, timeoutMs: 2000, log })
await connection.start()
const keys = accountKeys('10000')
const grants: number[] = []
const budget = createRedisBudget({
  connection,
  logs: [
    { key: keys.budgetAccount, pendingKey: keys.budgetPending(keys.budgetAccount), cap: budgetLimits.account },
    { key: keys.budgetEgress(egress), pendingKey: keys.budgetPending(keys.budgetEgress(egress)), cap: budgetLimits.ip }
  ],
  sinceKey: keys.budgetSince,
  windowMs: budgetLimits.windowMs,
  freshStateWaitMs: 0,
  pendingLeaseMs: 10_000,
  jitterMs: budgetLimits.jitterMs,
  random: Math.random,
  now: () => performance.now(),
  log,
  onGrant: (at) => grants.push(at)
})
// start together: ready, then wait for the parent's go (a line on stdin)
process.stdout.write('ready\n')
await new Promise((resolve) => process.stdin.once('data', resolve))
const end = performance.now() + Number(runMs)
while (performance.now() < end) {
  const answer = await budget.take()
  // the request is written at once: its slot counts from then (Redis time, at or after the grant)
  if (typeof answer !== 'number') answer.sent()
  else await new Promise((resolve) => setTimeout(resolve, answer))
}
process.stdout.write(JSON.stringify({ egress, grants }) + '\n')
await connection.close()
