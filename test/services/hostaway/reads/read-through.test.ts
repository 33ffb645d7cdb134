import t from 'tap'
import pino from 'pino'
import { GatewayError } from '../../../../services/errors.js'
import { createMemoryStore } from '../../../../services/hostaway/reads/cache.js'
import { createReadThrough } from '../../../../services/hostaway/reads/read-through.js'
import { failure } from '../fixtures.js'
import { NO_TELEMETRY } from '../../../../services/telemetry.js'

const log = pino({ level: 'silent' })

/** A read-through over a memory store with a settable clock, and a fetch that counts its calls. */
function setup (ttlMs: number, negativeTtlMs: number) {
  const clock = { now: 0 }
  const store = createMemoryStore<unknown>({ now: () => clock.now })
  const reads = createReadThrough({ telemetry: NO_TELEMETRY, store, ttlMs, negativeTtlMs, log })
  const calls: string[] = []
  const found = (key: string) => async () => { calls.push(key); return { key } }
  const missing = (key: string) => async () => {
    calls.push(key)
    throw GatewayError.classified(`GET /${key} → HTTP 404: not found`, { status_code: 404, error_type: 'not_found', retryable: false, attempts: 1 })
  }
  return { clock, store, reads, calls, found, missing }
}

t.test('a 404 is remembered NEGATIVE_CACHE_TTL_MS, then asked again', async (t) => {
  const { clock, reads, calls, missing } = setup(30_000, 60_000)
  const first = await failure(reads.read('listing:9', 'GET /listings/9', missing('listing:9')))
  t.match(first, { error_type: 'not_found', attempts: 1 })
  clock.now = 59_999
  const again = await failure(reads.read('listing:9', 'GET /listings/9', missing('listing:9')))
  t.match(again, { error_type: 'not_found', status_code: 404, retryable: false, attempts: 0 }, 'from the negative cache: no attempt')
  t.equal(again.message, first.message, 'the upstream message, as first answered')
  t.same(calls, ['listing:9'], 'one upstream call')
  clock.now = 60_000
  await failure(reads.read('listing:9', 'GET /listings/9', missing('listing:9')))
  t.equal(calls.length, 2, 'expired: asked again')
})

t.test('NEGATIVE_CACHE_TTL_MS 0 remembers no 404; other failures are never remembered', async (t) => {
  const off = setup(30_000, 0)
  await failure(off.reads.read('k', 'GET /k', off.missing('k')))
  await failure(off.reads.read('k', 'GET /k', off.missing('k')))
  t.equal(off.calls.length, 2)

  const on = setup(30_000, 60_000)
  let n = 0
  const flaky = async () => {
    n++
    throw GatewayError.classified('GET /k → HTTP 503', { status_code: 503, error_type: 'upstream_error', retryable: true, attempts: 1 })
  }
  await failure(on.reads.read('k', 'GET /k', flaky))
  await failure(on.reads.read('k', 'GET /k', flaky))
  t.equal(n, 2, 'a 503 is not cached')
})

t.test('the negative cache works with the value cache off (CACHE_TTL_MS 0), and values are then not kept', async (t) => {
  const { reads, calls, missing, found } = setup(0, 60_000)
  await failure(reads.read('a', 'GET /a', missing('a')))
  await failure(reads.read('a', 'GET /a', missing('a')))
  await reads.read('b', 'GET /b', found('b'))
  await reads.read('b', 'GET /b', found('b'))
  t.same(calls, ['a', 'b', 'b'])
})

t.test('invalidate (a write, a webhook) forgets a remembered 404', async (t) => {
  const { reads, calls, missing, found } = setup(30_000, 60_000)
  await failure(reads.read('listing:3', 'GET /listings/3', missing('listing:3')))
  await reads.invalidate('listing:3')
  t.same(await reads.read('listing:3', 'GET /listings/3', found('listing:3')), { key: 'listing:3' })
  t.equal(calls.length, 2)
})

t.test('peek tells a value, a remembered 404, or nothing — without fetching', async (t) => {
  const { reads, calls, missing, found } = setup(30_000, 60_000)
  t.equal(await reads.peek('x'), undefined)
  await reads.read('x', 'GET /x', found('x'))
  t.same(await reads.peek('x'), { value: { key: 'x' } })
  await failure(reads.read('y', 'GET /y', missing('y')))
  const peeked = await reads.peek('y')
  t.ok(peeked !== undefined && 'error' in peeked && peeked.error.error_type === 'not_found')
  t.equal(calls.length, 2)
})

t.test('prime stores what a page read, unless the key was invalidated after the page was sent', async (t) => {
  const { reads, calls, found } = setup(30_000, 60_000)
  const since = reads.epoch()
  await reads.invalidate('listing:1') // a write lands while the page is in flight
  await reads.prime('listing:1', { stale: true }, since)
  await reads.prime('listing:2', { fresh: true }, since)
  t.same(await reads.peek('listing:2'), { value: { fresh: true } })
  t.equal(await reads.peek('listing:1'), undefined, 'the page read before the write is not stored')
  const later = reads.epoch()
  await reads.prime('listing:1', { fresh: true }, later)
  t.same(await reads.peek('listing:1'), { value: { fresh: true } }, 'a page sent after the write is')
  t.same(calls, [])
  const off = setup(0, 60_000)
  await off.reads.prime('k', 1, off.reads.epoch())
  t.equal(await off.reads.peek('k'), undefined, 'CACHE_TTL_MS 0: nothing primed')
  t.equal(typeof found, 'function')
})

t.test('share: concurrent callers share one read, which is never stored', async (t) => {
  const { reads, calls } = setup(30_000, 60_000)
  let release: (v: unknown) => void = () => {}
  const slow = async () => { calls.push('page'); return await new Promise((resolve) => { release = resolve }) }
  const a = reads.share('page:0', 'GET /listings', slow)
  const b = reads.share('page:0', 'GET /listings', slow)
  await new Promise((resolve) => setImmediate(resolve))
  release({ page: 0 })
  t.same(await Promise.all([a, b]), [{ page: 0 }, { page: 0 }])
  t.same(calls, ['page'], 'one read for both')
  t.equal(await reads.peek('page:0'), undefined, 'not stored')
})

t.test('replace puts a known-current value in place of a cached one or a remembered 404', async (t) => {
  const { reads, calls, missing } = setup(30_000, 60_000)
  await failure(reads.read('reservation:5', 'GET /reservations/5', missing('reservation:5')))
  await reads.replace('reservation:5', { id: 5, from: 'webhook' })
  t.same(await reads.read('reservation:5', 'GET /reservations/5', missing('reservation:5')), { id: 5, from: 'webhook' })
  t.equal(calls.length, 1)
  const off = setup(0, 60_000)
  await off.reads.replace('k', { v: 1 })
  t.equal(await off.reads.peek('k'), undefined, 'CACHE_TTL_MS 0: replace only evicts')
})
