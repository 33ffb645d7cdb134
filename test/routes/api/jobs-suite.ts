import type { Test } from 'tap'
import { SECRET_FIELDS } from '../../../schemas/secrets.js'
import { SCOPES } from '../../../services/auth.js'
import type { StartSandboxOptions } from '../../../sandbox/index.js'
import { upstreamCount, until, type Served } from '../../reliability/helper.js'
import { finished, readEvents, submit, type JobBody } from '../../fixtures/jobs.js'

// Prefer: respond-async (docs/jobs.md), over real HTTP against the sandbox: 202 + Location, the
// job's progress, result and items, ownership, secrets left out at read, Idempotency-Key, cancel,
// the size limits (JOB_MAX_ITEMS) and how long results are kept (JOB_RESULT_TTL_MS). The same
// tests run with the jobs in memory (jobs.test.ts) and in Redis on BullMQ (test/redis/jobs-routes.test.ts).

const LISTING_SECRETS = Object.keys(SECRET_FIELDS.listing)
const puts = async (sb: { stats: () => Promise<{ requests: { by_route: Record<string, number> } }> }) =>
  upstreamCount((await sb.stats()).requests.by_route, /^PUT \/v1\/listings\/:id$/)

interface Teardown { teardown: (fn: () => unknown) => void }
/** A gateway listening on a loopback port, its jobs where the suite's caller keeps them. */
export type ServeJobs = (t: Teardown, env?: Record<string, string>, sandboxOpts?: StartSandboxOptions) => Promise<Served>

export function jobRouteTests (tap: Test, serveJobs: ServeJobs): void {
  const test = (name: string, fn: (t: Test) => Promise<void>) => tap.test(name, fn)

  test('POST /api/batch/listings with Prefer: respond-async: 202, Location, Preference-Applied; the job runs to a result with every item once; without the header nothing changes', async (t) => {
    const { url } = await serveJobs(t)
    const ids = [1, 2, 999999, 4, 2]
    const res = await submit(url, '/api/batch/listings', { ids })
    t.equal(res.status, 202)
    const created = await res.json() as JobBody
    t.equal(res.headers.get('location'), `/api/jobs/${created.id}`)
    t.equal(res.headers.get('preference-applied'), 'respond-async')
    t.match(created, { operation: 'batchGetListings', total_count: 5, finished_at: null })
    t.ok(['queued', 'running'].includes(created.status), `a new job is queued or running (${created.status})`)

    const job = await finished(url, created.id)
    t.equal(job.status, 'completed')
    t.match(job, { total_count: 5, done_count: 5, success_count: 4, failure_count: 1 })
    t.ok(job.started_at !== null && job.finished_at !== null)
    const result = job.result as NonNullable<JobBody['result']>
    t.same([...result.successful, ...result.failed].map((r) => r.index).sort(), [0, 1, 2, 3, 4], 'every item once')
    t.match(result.failed, [{ index: 2, operation_id: '999999', error_type: 'not_found' }])

    // the finished items, paged
    const first = await (await fetch(`${url}/api/jobs/${job.id}/items?limit=3`)).json() as { items: Array<{ index: number }>, next_after: number | null, done_count: number }
    t.equal(first.items.length, 3)
    t.equal(first.next_after, 3)
    const rest = await (await fetch(`${url}/api/jobs/${job.id}/items?after=3&limit=3`)).json() as { items: Array<{ index: number }>, next_after: number | null }
    t.equal(rest.items.length, 2)
    t.equal(rest.next_after, null, 'no more items')
    t.same([...first.items, ...rest.items].map((i) => i.index).sort(), [0, 1, 2, 3, 4], 'the pages hold every item once')

    const list = await (await fetch(`${url}/api/jobs`)).json() as { items: Array<{ id: string }>, count: number }
    t.same(list.items.map((j) => j.id), [job.id], 'GET /api/jobs lists it')
    t.notOk('result' in list.items[0], 'without its result')

    const metrics = await (await fetch(`${url}/metrics`)).text()
    t.match(metrics, /hostaway_jobs_created_total\{operation="batchGetListings"\} 1\n/, 'metrics: jobs created')
    t.match(metrics, /hostaway_jobs_finished_total\{operation="batchGetListings",status="completed"\} 1\n/, 'jobs ended by status')
    t.match(metrics, /hostaway_job_items_total\{operation="batchGetListings",outcome="failure"\} 1\n/, 'items done by outcome')
    t.match(metrics, /hostaway_job_queue_wait_seconds_count\{operation="batchGetListings"\} 1\n/, 'queue wait')

    const sync = await fetch(`${url}/api/batch/listings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ids }) })
    t.equal(sync.status, 200, 'without Prefer the batch runs within the request')
    t.equal(sync.headers.get('preference-applied'), null)
    t.equal((await sync.json() as { total_count: number }).total_count, 5)
  })

  test('PATCH /api/listings/batch as a job: each write sent once, audited with the creating request id; a bad body is still a 400 at once', async (t) => {
    const { url, sandbox: sb, audit } = await serveJobs(t)
    const bad = await submit(url, '/api/listings/batch', { updates: [{ listing_id: 1 }] })
    t.equal(bad.status, 400, 'an update without a field: 400, no job')
    t.match(await bad.json(), { error_type: 'validation_error', message: /body\/updates\/0/ })
    const repeated = await submit(url, '/api/listings/batch', { updates: [{ listing_id: 1, price: 100 }, { listing_id: 1, price: 101 }] })
    t.equal(repeated.status, 400, 'a rule across items too')
    t.match(await repeated.json(), { message: /body\/updates\/1\/listing_id repeats/ })

    const updates = Array.from({ length: 6 }, (_, i) => ({ listing_id: i + 1, price: 200 + i }))
    const before = await puts(sb)
    const res = await submit(url, '/api/listings/batch', { updates }, { 'x-request-id': 'job-create-1' })
    t.equal(res.status, 202)
    const job = await finished(url, (await res.json() as JobBody).id)
    t.match(job, { status: 'completed', success_count: 6, failure_count: 0 })
    t.equal(await puts(sb) - before, 6, 'one PUT per update')
    const lines = audit.entries().filter((e) => e.request_id === 'job-create-1')
    t.equal(lines.filter((e) => e.audit === 'listing_update').length, 6, 'one audit line per item, with the request that created the job')
    t.match(lines.filter((e) => e.audit === 'job_create'), [{ job_id: job.id, operation: 'batchUpdateListings', total_count: 6, key_id: 'open' }], 'and one for the job')
  })

  test('size limits: BATCH_MAX_ITEMS for a request, JOB_MAX_ITEMS for a job', async (t) => {
    const { url } = await serveJobs(t, { BATCH_MAX_ITEMS: '2', JOB_MAX_ITEMS: '4' })
    const sync = await fetch(`${url}/api/batch/listings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ids: [1, 2, 3] }) })
    t.equal(sync.status, 400)
    t.match(await sync.json(), { error_type: 'validation_error', message: /body\/ids has more than 2 items, the most one request takes: split the batch into requests of at most 2, or send it as a job \(Prefer: respond-async, up to 4 items\)/ })
    const job = await submit(url, '/api/batch/listings', { ids: [1, 2, 3, 4] })
    t.equal(job.status, 202, 'a job takes up to JOB_MAX_ITEMS')
    const tooMany = await submit(url, '/api/batch/listings', { ids: [1, 2, 3, 4, 5] })
    t.equal(tooMany.status, 400)
    t.match(await tooMany.json(), { message: /body\/ids has more than 4 items/ })
    const updates = await submit(url, '/api/listings/batch', { updates: [1, 2, 3, 4, 5].map((id) => ({ listing_id: id, price: 150 })) })
    t.equal(updates.status, 400)
    t.match(await updates.json(), { message: /body\/updates has more than 4 items/ })
    await finished(url, (await job.json() as JobBody).id)
  })

  test('JOB_RESULT_TTL_MS: a finished job is forgotten after it (404)', async (t) => {
    const { url } = await serveJobs(t, { JOB_RESULT_TTL_MS: '1' })
    const created = await (await submit(url, '/api/batch/listings', { ids: [1] })).json() as JobBody
    // the job is read as it runs; once ended it is gone (the default TTL keeps it: the first test reads it finished)
    await until(async () => {
      const res = await fetch(`${url}/api/jobs/${created.id}`)
      return res.status === 404 && (await res.json() as { error_type: string }).error_type === 'not_found'
    }, 30_000, 'the job forgotten')
    const list = await (await fetch(`${url}/api/jobs`)).json() as { count: number }
    t.equal(list.count, 0, 'nor listed')
  })

  test('ownership: another key gets 404 for the job, its items, its events and its cancel; its list is empty', async (t) => {
    const { url } = await serveJobs(t, { API_KEYS: 'alice-key,bob-key' })
    const alice = { 'x-api-key': 'alice-key' }
    const bob = { 'x-api-key': 'bob-key' }
    const created = await (await submit(url, '/api/batch/listings', { ids: [1, 2] }, alice)).json() as JobBody
    for (const [method, path] of [['GET', ''], ['GET', '/items'], ['GET', '/events'], ['DELETE', '']]) {
      const res = await fetch(`${url}/api/jobs/${created.id}${path}`, { method, headers: bob })
      t.equal(res.status, 404, `${method} ${path || '/'} by another key`)
      t.match(await res.json(), { error_type: 'not_found' })
    }
    t.same((await (await fetch(`${url}/api/jobs`, { headers: bob })).json() as { items: unknown[] }).items, [])
    const job = await finished(url, created.id, alice)
    t.equal(job.status, 'completed', 'its own key reads it')
    t.equal((await fetch(`${url}/api/jobs/${created.id}`)).status, 401, 'no key: 401')
  })

  test('secret fields are left out at read, by the scopes of the key reading; the job keeps them whole', async (t) => {
    const { url, app } = await serveJobs(t, { API_KEYS: 'keeper:read+secrets,reader:read' })
    for (const [key, sees] of [['keeper', true], ['reader', false]] as const) {
      const created = await (await submit(url, '/api/batch/listings', { ids: [1, 2] }, { 'x-api-key': key })).json() as JobBody
      const job = await finished(url, created.id, { 'x-api-key': key })
      for (const item of job.result?.successful ?? []) {
        t.equal(LISTING_SECRETS.every((f) => f in (item.data as object)), sees, `${key}: listing ${item.operation_id} ${sees ? 'with' : 'without'} its secret fields`)
      }
      const page = await (await fetch(`${url}/api/jobs/${created.id}/items`, { headers: { 'x-api-key': key } })).json() as { items: Array<{ data: object | null }> }
      for (const item of page.items) if (item.data !== null) t.equal(LISTING_SECRETS.some((f) => f in item.data!), sees, `${key}: items page`)
      if (!sees) {
        // the same job read by its owner with the secrets scope: the fields are there, so it is the read that left them out
        const owner = { id: app.identify('reader')?.id ?? '', scopes: new Set(SCOPES) }
        const whole = await app.jobs.get(created.id, owner)
        t.ok(whole?.result?.successful.every((r) => LISTING_SECRETS.every((f) => f in (r.data as object))), 'stored whole')
      }
    }
  })

  test('Idempotency-Key on an async request: the same key and body give the same job; another body is 422', async (t) => {
    const { url } = await serveJobs(t)
    const body = { updates: [{ listing_id: 3, price: 333 }] }
    const first = await submit(url, '/api/listings/batch', body, { 'idempotency-key': 'job-key-1' })
    t.equal(first.status, 202)
    const job = await first.json() as JobBody
    const again = await submit(url, '/api/listings/batch', body, { 'idempotency-key': 'job-key-1' })
    t.equal(again.status, 202)
    t.equal(again.headers.get('idempotent-replayed'), 'true')
    t.equal(again.headers.get('location'), `/api/jobs/${job.id}`, 'the same job')
    t.equal((await again.json() as JobBody).id, job.id)
    const other = await submit(url, '/api/listings/batch', { updates: [{ listing_id: 3, price: 334 }] }, { 'idempotency-key': 'job-key-1' })
    t.equal(other.status, 422)
    t.match(await other.json(), { error_type: 'validation_error' })
    const lookup = await submit(url, '/api/batch/listings', { ids: [1] }, { 'idempotency-key': 'job-key-1' })
    t.equal(lookup.status, 202, 'each route has its own keys')
    t.not((await lookup.json() as JobBody).id, job.id)
    t.equal((await finished(url, job.id)).success_count, 1)
  })

  test('DELETE cancels: items not started end unprocessed (cancelled) and were never sent; items in flight finish; every item once', async (t) => {
    // 2 s windows of 15 requests: 40 updates take several windows
    const { url, sandbox: sb, audit } = await serveJobs(t, {}, { rateWindowMs: 2000 })
    const updates = Array.from({ length: 40 }, (_, i) => ({ listing_id: i + 1, price: 300 + i }))
    const created = await (await submit(url, '/api/listings/batch', { updates })).json() as JobBody
    await until(async () => (await (await fetch(`${url}/api/jobs/${created.id}`)).json() as JobBody).done_count >= 1, 30_000, 'a first item done')
    const cancel = await fetch(`${url}/api/jobs/${created.id}`, { method: 'DELETE', headers: { 'x-request-id': 'cancel-1' } })
    t.equal(cancel.status, 200)
    t.match(audit.entries().filter((e) => e.audit === 'job_cancel'), [{ request_id: 'cancel-1', job_id: created.id, total_count: 40 }], 'the cancel is audited, once')
    const job = await finished(url, created.id)
    t.equal(job.status, 'cancelled')
    const result = job.result as NonNullable<JobBody['result']>
    t.equal(result.total_count, 40)
    t.same([...result.successful, ...result.failed].map((r) => r.index).sort((a, b) => a - b), updates.map((_, i) => i), 'every item once')
    const cancelled = result.failed.filter((f) => /cancelled/.test(f.error))
    t.ok(cancelled.length > 0, `items not started were cancelled (${cancelled.length})`)
    for (const item of cancelled) t.match(item, { error_type: 'unprocessed', attempts: 0, retryable: true })
    t.ok(result.successful.length > 0, 'items done before stay done')
    const sent = [...result.successful, ...result.failed].filter((r) => r.attempts > 0).length
    t.equal(await puts(sb), sent, 'the upstream got a PUT for each item sent, none for a cancelled one')
    const again = await fetch(`${url}/api/jobs/${created.id}`, { method: 'DELETE' })
    t.equal((await again.json() as JobBody).status, 'cancelled', 'cancelling an ended job changes nothing')
  })

  test('GET /api/jobs/{id}/events: progress events with the finished items, then end; Last-Event-ID resumes after it; after the end, 204', async (t) => {
    const { url } = await serveJobs(t, {}, { rateWindowMs: 1000 })
    const updates = Array.from({ length: 20 }, (_, i) => ({ listing_id: i + 1, price: 400 + i }))
    const created = await (await submit(url, '/api/listings/batch', { updates })).json() as JobBody
    const res = await fetch(`${url}/api/jobs/${created.id}/events`)
    t.equal(res.status, 200)
    t.match(res.headers.get('content-type'), /^text\/event-stream/)
    const events = await readEvents(res)
    const progress = events.filter((e) => e.event === 'progress')
    const end = events.at(-1)
    t.equal(end?.event, 'end', 'the last event is the end')
    t.equal(end?.id, '21', 'its id: total_count + 1')
    t.match(end?.data, { id: created.id, status: 'completed', done_count: 20, success_count: 20 })
    t.ok(progress.length >= 1, `progress events (${progress.length})`)
    const ids = progress.map((e) => Number(e.id))
    t.same(ids, [...ids].sort((a, b) => a - b), 'ids grow')
    const items = progress.flatMap((e) => (e.data as { items: Array<{ index: number }> }).items.map((i) => i.index))
    t.same([...items].sort((a, b) => a - b), updates.map((_, i) => i), 'every item in exactly one progress event')
    for (const e of progress) t.equal(Number(e.id), (e.data as { done_count: number }).done_count >= Number(e.id) ? Number(e.id) : -1, 'an event id counts the items finished up to it')

    const resumed = await readEvents(await fetch(`${url}/api/jobs/${created.id}/events`, { headers: { 'last-event-id': '5' } }))
    const resumedItems = resumed.filter((e) => e.event === 'progress').flatMap((e) => (e.data as { items: Array<{ index: number }> }).items)
    t.equal(resumedItems.length, 15, 'after Last-Event-ID 5: the 15 items that finished after it')
    t.equal(resumed.at(-1)?.event, 'end')
    const gone = await fetch(`${url}/api/jobs/${created.id}/events`, { headers: { 'last-event-id': '21' } })
    t.equal(gone.status, 204, 'the end was received: nothing more (EventSource stops)')
  })
}
