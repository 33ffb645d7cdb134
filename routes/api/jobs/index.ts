import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { Ref, errorResponses } from '../../../schemas/common.js'
import {
  FINAL_STATUSES, JobIdParamsSchema, JobItemsPageSchema, JobItemsQuerySchema, JobListQuerySchema, JobListSchema, JobSchema, type Job
} from '../../../schemas/job.js'
import { NoQuerySchema } from '../../../schemas/query.js'
import { jobEntry } from '../../../services/audit.js'

const errors = errorResponses(400, 401, 403, 404, 414, 500)
/** A job's responses are built whole and redacted here; JSON.stringify writes them (no schema-driven rewrite of a large result). */
const asJson = (payload: unknown) => JSON.stringify(payload)
/** Between two progress events at least this long (ms): one per finished item or per second, whichever is rarer. */
const EVENT_INTERVAL_MS = 1000
/** A comment line this often keeps proxies from closing a quiet stream (ms). */
const KEEP_ALIVE_MS = 15_000

/** The job without its result: what a progress event carries besides the items. */
function withoutResult (job: Job): Omit<Job, 'result'> {
  const { result: _result, ...rest } = job
  return rest
}

/**
 * /api/jobs: the long-running batches a batch route created for `Prefer: respond-async`
 * (docs/jobs.md). Each is seen only by the API key that created it: another key gets 404.
 */
const jobsRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { jobs, httpErrors } = fastify
  const notFound = (id: string) => httpErrors.notFound(`No job ${id} (jobs are kept JOB_RESULT_TTL_MS after they end, and seen only by the API key that created them)`)

  // '' rather than '/': the route is /api/jobs itself
  fastify.get('', {
    schema: {
      operationId: 'listJobs',
      summary: "List the caller's jobs, newest first",
      description: 'Only the jobs the calling API key created (every job when the API is open); each without its result (`GET /api/jobs/{id}` has it).',
      tags: ['jobs'],
      querystring: JobListQuerySchema,
      response: { 200: Ref(JobListSchema), ...errorResponses(400, 401, 403, 500) }
    }
  }, async function listJobs (request) {
    const items = await jobs.list(request.caller, request.query.limit)
    return { items, count: items.length }
  })

  fastify.get('/:id', {
    schema: {
      operationId: 'getJob',
      summary: 'A job: its status and progress, and its result (a PartialFailureResponse) once it ended',
      description: 'The secret fields of the result are sent only to keys with the `secrets` scope (as when the batch runs within a request).',
      tags: ['jobs'],
      params: JobIdParamsSchema,
      querystring: NoQuerySchema,
      response: { 200: Ref(JobSchema), ...errors }
    }
  }, async function getJob (request, reply) {
    const job = await jobs.get(request.params.id, request.caller)
    if (job === undefined) throw notFound(request.params.id)
    reply.type('application/json; charset=utf-8').serializer(asJson)
    return job
  })

  fastify.get('/:id/items', {
    schema: {
      operationId: 'listJobItems',
      summary: 'The finished items of a job, in the order they finished (pages: after, limit)',
      description: 'Readable while the job runs: `after` is the count of items already read (0 at first); the secret fields follow the reading key\'s scopes.',
      tags: ['jobs'],
      params: JobIdParamsSchema,
      querystring: JobItemsQuerySchema,
      response: { 200: Ref(JobItemsPageSchema), ...errors }
    }
  }, async function listJobItems (request, reply) {
    const page = await jobs.items(request.params.id, request.caller, request.query.after, request.query.limit)
    if (page === undefined) throw notFound(request.params.id)
    reply.type('application/json; charset=utf-8').serializer(asJson)
    return page
  })

  fastify.delete('/:id', {
    schema: {
      operationId: 'cancelJob',
      summary: 'Cancel a job: items not started end unprocessed (cancelled); items in flight finish',
      description: 'A job that ended already is left as it is. The job is answered as it is now; it ends (status cancelled) once its items in flight finished.',
      tags: ['jobs'],
      params: JobIdParamsSchema,
      querystring: NoQuerySchema,
      response: { 200: Ref(JobSchema), ...errors }
    }
  }, async function cancelJob (request, reply) {
    const job = await jobs.cancel(request.params.id, request.caller)
    if (job === undefined) throw notFound(request.params.id)
    fastify.audit.write([jobEntry('job_cancel', { requestId: request.id, keyId: request.caller.id }, job)])
    reply.type('application/json; charset=utf-8').serializer(asJson)
    return job
  })

  fastify.get('/:id/events', {
    // a stream lasts as long as its job
    config: { requestTimeout: false },
    schema: {
      operationId: 'streamJobEvents',
      summary: 'Server-Sent Events of a job\'s progress, resumable with Last-Event-ID',
      description: 'Event `progress` (at most one a second, when items finished): the job\'s counts and the items finished since the last event; ' +
        'its id is how many items finished. Event `end` once the job ended (id total_count + 1), then the stream ends. ' +
        'Reconnect with Last-Event-ID to get what came after it; after the `end` event the answer is 204 (EventSource stops).',
      tags: ['jobs'],
      params: JobIdParamsSchema,
      querystring: NoQuerySchema,
      headers: Type.Object({ 'last-event-id': Type.Optional(Type.String({ maxLength: 20, description: 'The id of the last event received' })) }),
      response: {
        200: {
          description: 'The event stream',
          content: { 'text/event-stream': { schema: Type.String({ description: 'event: progress|end, id: <n>, data: <JSON of the job, items finished since the last event>' }) } }
        },
        204: { description: 'The job ended and its `end` event was received already (Last-Event-ID)', type: 'null' },
        ...errors
      }
    }
  }, async function streamJobEvents (request, reply) {
    const { id } = request.params
    const lastEventId = Number.parseInt(request.headers['last-event-id'] ?? '0', 10)
    const first = await jobs.progress(id, request.caller, 0)
    if (first === undefined) throw notFound(id)
    const total = first.job.total_count
    let after = Number.isSafeInteger(lastEventId) ? Math.min(Math.max(lastEventId, 0), total) : 0
    if (FINAL_STATUSES.has(first.job.status) && lastEventId > total) return reply.code(204).send()

    reply.hijack()
    const raw = reply.raw
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-request-id': request.id,
      'x-accel-buffering': 'no'
    })
    let open = true
    raw.once('close', () => { open = false })
    const send = (event: string, eventId: number, data: unknown) => {
      raw.write(`event: ${event}\nid: ${eventId}\ndata: ${JSON.stringify(data)}\n\n`)
    }
    raw.write(`retry: ${EVENT_INTERVAL_MS}\n\n`)
    let lastEventAt = 0
    let lastWriteAt = Date.now()
    try {
      for (;;) {
        const state = await jobs.progress(id, request.caller, after)
        if (state === undefined || !open) break
        const sendItems = () => {
          after += state.items.length
          send('progress', after, { ...withoutResult(state.job), items: state.items })
          lastEventAt = lastWriteAt = Date.now()
        }
        // the end is sent as soon as the job ended, the items before it however recent the last event
        if (FINAL_STATUSES.has(state.job.status)) {
          if (state.items.length > 0) sendItems()
          send('end', total + 1, withoutResult(state.job))
          break
        }
        const due = lastEventAt + EVENT_INTERVAL_MS - Date.now()
        if (state.items.length > 0 && due <= 0) sendItems()
        if (Date.now() - lastWriteAt >= KEEP_ALIVE_MS) {
          raw.write(': keep-alive\n\n')
          lastWriteAt = Date.now()
        }
        // woken by the next item (or the end) of a job run here; a job run by another instance is read again in a second
        await jobs.changed(id, state.items.length > 0 && due > 0 ? due : EVENT_INTERVAL_MS)
      }
    } catch (err) {
      request.log.error({ err, job_id: id }, 'job event stream failed')
    } finally {
      raw.end()
    }
  })
}

export default jobsRoutes
