import { test } from 'tap'
import fc from 'fast-check'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { build } from './helper.js'
import { API_HEADERS, examplesOf, schemaChecker, type Document } from './openapi-check.js'
import { endpoints, exampleRequests, hostileRequest, type Endpoint, type Generated } from './contract-corpus.js'

const KEY = 'contract-key'
const READER = 'contract-reader'
const ENV = { API_KEYS: `${KEY}, ${READER}:read`, HOSTAWAY_RATE_WINDOW_MS: '100', HOSTAWAY_RATE_WINDOW_MARGIN_MS: '20' }

/**
 * What is wrong with a response according to the document ('' when nothing): its status is
 * documented for the operation, its body validates against that status' schema, the documented
 * required headers are there, and every API header it carries is documented there and valid.
 */
function violations (check: ReturnType<typeof schemaChecker>, { op }: Endpoint, res: LightMyRequestResponse): string {
  const documented = op.responses[String(res.statusCode)]
  if (documented === undefined) return `status ${res.statusCode} is not documented (${Object.keys(op.responses).join(', ')}): ${res.body.slice(0, 200)}`
  const problems: string[] = []
  const media = documented.content?.['application/json']
  if (media !== undefined) {
    if (!/^application\/json/.test(String(res.headers['content-type']))) problems.push(`content-type ${String(res.headers['content-type'])}`)
    else {
      const errors = check(media.schema, res.json())
      if (errors !== '') problems.push(`body: ${errors}`)
    }
  }
  for (const [name, header] of Object.entries(documented.headers ?? {})) {
    const value = res.headers[name.toLowerCase()]
    if (value === undefined) {
      if (header.required === true) problems.push(`header ${name} missing`)
      continue
    }
    const typed = header.schema?.type === 'integer' ? Number(value) : value
    const errors = check(header.schema ?? {}, typed)
    if (errors !== '') problems.push(`header ${name}: ${errors}`)
  }
  const names = Object.keys(documented.headers ?? {}).map((n) => n.toLowerCase())
  for (const name of API_HEADERS) if (res.headers[name] !== undefined && !names.includes(name)) problems.push(`header ${name} sent but not documented`)
  if (res.statusCode >= 400 && res.json().request_id !== res.headers['x-request-id']) problems.push('request_id differs from X-Request-Id')
  return problems.join('; ')
}

/**
 * Why a generated request is not one the document describes ('' when it is): a parameter the
 * document does not list, or whose text is not a valid value of its schema (an integer is written
 * in decimal digits), or a body that is not JSON valid against the documented schema.
 */
function outsideDocument (check: ReturnType<typeof schemaChecker>, { path, op }: Endpoint, { sent, body }: Generated): string {
  const names = sent.map((p) => p.name)
  for (const p of sent) {
    if (p.schema === undefined || names.indexOf(p.name) !== names.lastIndexOf(p.name)) {
      // /health and /ready ignore a query string; every /api route refuses what it does not document
      if (path.startsWith('/api/')) return `parameter ${p.name} is not documented (or sent twice)`
      continue
    }
    const integer = p.schema.type === 'integer'
    if (integer && !/^-?\d+$/.test(p.text)) return `parameter ${p.name}=${p.text} is not an integer`
    const errors = check(p.schema, integer ? Number(p.text) : p.text)
    if (errors !== '') return `parameter ${p.name}=${p.text}: ${errors}`
  }
  if (body === undefined) return ''
  if (body.contentType === undefined || !/^application\/json\b/.test(body.contentType)) return `content type ${String(body.contentType)}`
  let value: unknown
  try {
    value = JSON.parse(body.payload)
  } catch {
    return 'the body is not JSON'
  }
  if (/"(__proto__|constructor)"/.test(body.payload)) return 'a poisonous key'
  const errors = check(op.requestBody?.content['application/json'].schema ?? {}, value)
  return errors === '' ? '' : `body: ${errors}`
}

/** The job id of the document's examples (schemas/job.ts). */
const JOB_EXAMPLE_ID = '5d4f0a3e-2b1c-4f7e-9c1a-8e2d6b3f4a10'

async function documented (app: FastifyInstance) {
  const doc = (await app.inject('/openapi.json')).json() as Document
  return { doc, check: schemaChecker(doc), all: endpoints(doc) }
}

test('every example of the document is valid, and every documented example request answers as documented', async (t) => {
  const { app } = await build(t, ENV, { rateWindowMs: 100 })
  const { doc, check, all } = await documented(app)

  for (const [name, schema] of Object.entries(doc.components.schemas)) {
    for (const example of (schema.examples as unknown[] | undefined) ?? []) t.equal(check({ $ref: `#/components/schemas/${name}` }, example), '', `component ${name} example`)
  }
  for (const { path, method, op } of all) {
    for (const example of examplesOf(op.requestBody?.content['application/json'])) {
      t.equal(check(op.requestBody?.content['application/json'].schema ?? {}, example), '', `${method} ${path} request example`)
    }
    for (const [status, response] of Object.entries(op.responses)) {
      for (const example of examplesOf(response.content?.['application/json'])) {
        t.equal(check(response.content?.['application/json'].schema ?? {}, example), '', `${method} ${path} ${status} example`)
      }
    }
  }

  // the job routes' example id names a job of this app: one created for them (Prefer: respond-async)
  const job = (await app.inject({ method: 'POST', url: '/api/batch/listings', headers: { 'x-api-key': KEY, prefer: 'respond-async' }, payload: { ids: [1, 2] } })).json() as { id: string }
  const outcomes = new Map<string, Array<Record<string, unknown>>>()
  for (const endpoint of all) {
    for (const request of exampleRequests(endpoint, KEY)) {
      if (endpoint.path.startsWith('/api/jobs/{id}')) request.url = String(request.url).replace(JOB_EXAMPLE_ID, job.id)
      const res = await app.inject(request)
      const label = `${endpoint.method.toUpperCase()} ${endpoint.path} example`
      t.ok(res.statusCode >= 200 && res.statusCode < 300, `${label} succeeds (${res.statusCode})`)
      t.equal(violations(check, endpoint, res), '', `${label} answers as documented`)
      // GET /metrics answers text
      if (String(res.headers['content-type']).startsWith('application/json')) outcomes.set(endpoint.op.operationId, [...(outcomes.get(endpoint.op.operationId) ?? []), res.json()])
    }
  }
  t.match(outcomes.get('batchGetListings')?.[0], { success_count: 3, failed: [{ operation_id: '999999', error_type: 'not_found' }] },
    'the batch example gives 3 successes and one not_found')
  t.match(outcomes.get('batchUpdateListings'), [
    { success_count: 2, failure_count: 0 },
    { success_count: 1, failed: [{ index: 1, error_type: 'validation_error', error: 'updates/1/maxNights must be >= minNights', attempts: 0 }] }
  ], 'the update examples: all applied; one refused by a per-item rule')
})

test('a corpus generated from the document gives no 5xx and only documented statuses, bodies and headers', async (t) => {
  const { app } = await build(t, ENV, { rateWindowMs: 100 })
  const { doc, check, all } = await documented(app)
  const statuses = new Map<number, number>()
  // the counterexample names the operation, not its whole description
  const run = fc.asyncProperty(fc.constantFrom(...all.keys()).chain((i) => hostileRequest(doc, all[i], { key: KEY, reader: READER }).map((generated) => ({ operation: all[i].op.operationId, i, generated }))),
    async ({ i, generated }) => {
      const endpoint = all[i]
      const { request } = generated
      const res = await app.inject(request)
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
      const outside = outsideDocument(check, endpoint, generated)
      // a body that is not JSON is refused for that (415), unless the API key was refused first
      const notJson = /^content type/.test(outside) && generated.body?.payload !== '' && ![401, 403, 415].includes(res.statusCode)
      const wrong = res.statusCode >= 500
        ? `a ${res.statusCode}: ${res.body.slice(0, 300)}`
        : outside !== '' && (res.statusCode < 400 || notJson) ? `${res.statusCode} for a request outside the document (${outside})` : violations(check, endpoint, res)
      if (wrong !== '') throw new Error(`${request.method} ${String(request.url)} ${String(request.payload ?? '').slice(0, 200)} → ${wrong}`)
    })
  const result = await fc.check(run, { numRuns: 300 })
  t.equal(result.failed, false, result.failed ? fc.defaultReportMessage(result) ?? 'failed' : `${result.numRuns} requests`)
  t.ok(statuses.size >= 4, `statuses seen: ${JSON.stringify(Object.fromEntries(statuses))}`)
  t.ok([...statuses.keys()].some((s) => s < 300) && [...statuses.keys()].some((s) => s >= 400), 'both successes and rejections were generated')
})
