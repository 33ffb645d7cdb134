// executeBatch with a plan (every pending position at once), the run's pool and backlog, and a checkpoint.
import { test } from 'tap'
import { unsentResult } from '../../../services/batch/results.js'
import { eachOf, executeBatch as run, type BatchOptions } from '../../../services/batch/run.js'
import { GatewayError } from '../../../services/errors.js'
import { abortedError } from '../../../services/hostaway/call/classify.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const options = (over: Partial<BatchOptions> = {}): BatchOptions => ({ concurrency: 8, timeoutMs: 30_000, logger: { warn () {} }, secrets: [], ...over })

test('a plan is given every pending position at once and settles each; one it leaves unsettled fails, never hangs', async (t) => {
  const given: number[][] = []
  const progress: Array<[number, number]> = []
  const refused = unsentResult<string>(GatewayError.invalid('rule'), 1, 'b')
  const { response } = await run(['a', 'b', 'c', 'a', 'd'], {
    plan: async (indexes, { settle }) => {
      given.push([...indexes])
      settle(0, { ok: true, value: 'A', attempts: 1 })
      settle(2, { ok: false, error: GatewayError.notFound('gone', { attempts: 1 }), attempts: 1 })
      settle(0, { ok: true, value: 'twice', attempts: 9 })
      // position 4 is left unsettled: a bug of the plan
    }
  }, options({ dedupe: true, settled: [undefined, refused], onSettled: (n, total) => { progress.push([n, total]) } }))
  t.same(given, [[0, 2, 4]], 'one call with the distinct positions not settled before the run')
  t.same(response.successful.map((s) => [s.index, s.data, s.attempts]), [[0, 'A', 1], [3, 'A', 1]], 'the first settlement counts; a duplicate shares it')
  t.same(response.failed.map((f) => [f.index, f.error_type]), [[1, 'validation_error'], [2, 'not_found'], [4, 'internal_error']])
  t.same(progress, [[1, 3], [2, 3], [3, 3]], 'progress as each position settles')
})

test('a plan runs its per-item work in the run\'s pool: the items waiting there are the admission backlog', async (t) => {
  const seen: number[] = []
  const { response } = await run(['1', '2', '3', '4'], {
    plan: async (indexes, { pool, admission, settle }) => {
      t.equal(admission.lane, 'batch')
      t.equal(admission.share, 'key-1', 'the caller\'s fair share, declared once for the run')
      t.equal(admission.backlog?.(), 0, 'nothing queued before the pool')
      await pool(indexes, async (index) => {
        seen.push(admission.backlog?.() ?? -1)
        settle(index, { ok: true, value: index, attempts: 1 })
      })
    }
  }, options({ concurrency: 1, share: 'key-1' }))
  t.same(seen, [3, 2, 1, 0], 'one in flight at a time, the rest counted as backlog')
  t.equal(response.success_count, 4)
})

test('a plan that ignores the abort: what it settled stays, the rest fails after the grace', async (t) => {
  const { response } = await run(['1', '2'], {
    plan: async (_indexes, { settle }) => {
      settle(0, { ok: true, value: 'early', attempts: 1 })
      await sleep(5000)
    }
  }, options({ timeoutMs: 20 }))
  t.same(response.successful.map((s) => s.index), [0])
  t.match(response.failed, [{ index: 1, error_type: 'internal_error', error: /did not stop within 1000 ms after the batch deadline of 20 ms passed/ }])
})

test('a plan answered without waiting (a warm lookup) arms nothing: no deadline timer, no AbortController; asking for the signal arms it', async (t) => {
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
  const Original = globalThis.AbortController
  let made = 0
  globalThis.AbortController = class extends Original {
    constructor () {
      super()
      made++
    }
  }
  t.teardown(() => { globalThis.AbortController = Original })
  const before = timers()
  let during = -1
  const warm = await run(['1', '2'], {
    plan: async (indexes, { settle }) => {
      await Promise.resolve() // a cache read: a microtask, not a turn of the event loop
      during = timers()
      for (const index of indexes) settle(index, { ok: true, value: index, attempts: 0 })
    }
  }, options())
  t.equal(warm.response.success_count, 2)
  t.equal(during, before, 'no deadline timer while it ran')
  t.equal(made, 0, 'no AbortController')

  const asked = await run(['1'], {
    plan: async (_indexes, run) => {
      t.equal(run.signal.aborted, false)
      during = timers()
      run.settle(0, { ok: true, value: 1, attempts: 1 })
    }
  }, options())
  t.equal(asked.response.success_count, 1)
  t.equal(during, before + 1, 'the deadline timer, armed when the signal was asked for')
  t.equal(made, 1)
  t.equal(timers(), before, 'and cleared when the run ended')
})

test('a run resumed from a checkpoint runs its unfinished items only, and says which positions it kept', async (t) => {
  const ran: number[] = []
  const first = await run(['a', 'b', 'c'], eachOf([0, 1, 2].map((i) => async ({ onAttempt }) => {
    if (i === 1) throw abortedError({ method: 'PUT', label: 'PUT /listings/2', attempts: 0 }, 'the client disconnected before the request was sent', null)
    onAttempt()
    return `first ${i}`
  })), options())
  t.same(first.resumed, new Set(), 'a fresh run resumes nothing')
  const second = await run(['a', 'b', 'c'], eachOf([0, 1, 2].map((i) => async ({ onAttempt }) => { ran.push(i); onAttempt(); return `second ${i}` })), options({ checkpoint: first.response }))
  t.same(ran, [1], 'only the item never sent runs again')
  t.same(second.resumed, new Set([0, 2]))
  t.same(second.response.successful.map((s) => s.data), ['first 0', 'second 1', 'first 2'])
})
