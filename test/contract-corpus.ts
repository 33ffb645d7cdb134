import fc from 'fast-check'
import type { InjectOptions } from 'fastify'
import { examplesOf, type Document, type Operation } from './openapi-check.js'

/**
 * Requests generated from the OpenAPI document: mostly valid values drawn from each parameter's and
 * body's schema (small ids and short lists, so that the sandbox is asked little), mixed with the
 * hostile inputs that broke the contract before (hex and exponent numbers, Infinity, huge ids,
 * unknown fields, a __proto__ key, wrong types, truncated JSON, other content types, missing or
 * wrong keys). Only the subset of JSON Schema the document uses is covered.
 */

type Schema = Record<string, unknown>

/** Texts that look like numbers to a lenient parser but are not integers in decimal digits (or are out of any bound). */
const HOSTILE_NUMBERS = fc.constantFrom('0x10', '0b11', '0o7', '1e3', '1e309', 'Infinity', ' 7', '7 ', '+5', '1.0', '1.5', '١٢', '9'.repeat(30), '-0x1')

const HOSTILE_TEXT = fc.constantFrom('0x10', 'Infinity', '-Infinity', '1e309', '1e3', '-1', '0', '', ' 1', '1.5', '+5', 'NaN', '%00',
  '9'.repeat(30), 'null', 'true', '[]', '{}', '__proto__', '2027-02-30', '2027-1-1', '<b>x</b>', '../../etc', 'ü')

const HOSTILE_BODY = fc.constantFrom('{', '', 'null', '[]', '"ids"', '{"ids":[1,]}', '{"ids":[1e309]}', '{"ids":[1],"__proto__":{"admin":true}}',
  '{"constructor":{"prototype":{"admin":true}}}', '{"updates":[{"listing_id":1,"price":1e400}]}', '{"ids":["1"]}', '{"ids":[1.5]}')

function resolve (doc: Document, schema: Schema): Schema {
  const ref = schema.$ref
  return typeof ref === 'string' ? resolve(doc, doc.components.schemas[ref.replace('#/components/schemas/', '')]) : schema
}

/** A valid-looking value of a schema, biased to small numbers and short lists. */
function valueOf (doc: Document, raw: Schema, depth = 0): fc.Arbitrary<unknown> {
  const schema = resolve(doc, raw)
  if (Array.isArray(schema.anyOf)) return fc.oneof(...(schema.anyOf as Schema[]).map((s) => valueOf(doc, s, depth)))
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]))
  const min = typeof schema.minimum === 'number' ? schema.minimum : -1000
  const max = typeof schema.maximum === 'number' ? schema.maximum : 1_000_000
  switch (schema.type) {
    case 'integer':
      return fc.oneof({ weight: 4, arbitrary: fc.integer({ min, max: Math.min(max, min + 60) }) }, { weight: 1, arbitrary: fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31) }) })
    case 'number':
      return fc.oneof(fc.integer({ min: -10, max: 2000 }), fc.double({ min: -1e9, max: 1e9, noNaN: true, noDefaultInfinity: true }))
    case 'boolean':
      return fc.boolean()
    case 'string':
      if (schema.format === 'date') return fc.date({ min: new Date('2026-06-01'), max: new Date('2028-06-01'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10))
      return fc.string({ minLength: Number(schema.minLength ?? 0), maxLength: Math.min(Number(schema.maxLength ?? 20), 20) })
    case 'array':
      return fc.array(valueOf(doc, schema.items as Schema, depth + 1), { minLength: Number(schema.minItems ?? 0), maxLength: Math.min(Number(schema.maxItems ?? 5), 5) })
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, Schema>
      if (depth > 3) return fc.constant({})
      return fc.record(Object.fromEntries(Object.entries(properties).map(([k, s]) => [k, valueOf(doc, s, depth + 1)])), { requiredKeys: (schema.required ?? []) as string[] })
    }
    default:
      return fc.jsonValue({ maxDepth: 2 })
  }
}

/** A value of a schema, now and then a hostile one, or an object with an unknown or poisonous key. */
function maybeHostile (doc: Document, schema: Schema): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 5, arbitrary: valueOf(doc, schema) },
    { weight: schema.type === 'integer' ? 2 : 0, arbitrary: HOSTILE_NUMBERS },
    { weight: 1, arbitrary: fc.oneof(HOSTILE_TEXT, fc.jsonValue({ maxDepth: 2 }), fc.constant(2 ** 53), fc.constant(-0)) }
  )
}

const asText = (value: unknown) => typeof value === 'string' ? value : JSON.stringify(value) ?? ''

/** A parameter value as sent (text), with the schema the document gives it (none: an undocumented parameter). */
export interface SentParameter { name: string, text: string, schema?: Schema }

function pathAndQuery (doc: Document, path: string, op: Operation) {
  const params = op.parameters ?? []
  const pathParams = params.filter((p) => p.in === 'path')
  const queryParams = params.filter((p) => p.in === 'query')
  return fc.record({
    path: fc.tuple(...pathParams.map((p) => maybeHostile(doc, p.schema ?? {}))).map((values) =>
      pathParams.map((p, i): SentParameter => ({ name: p.name, text: asText(values[i]), schema: p.schema }))),
    query: fc.tuple(...queryParams.map((p) => fc.option(maybeHostile(doc, p.schema ?? {}), { freq: 2 })),
      fc.option(fc.constantFrom('sort', 'guest', '__proto__', 'limit'), { freq: 5 }), HOSTILE_TEXT)
      .map((values) => {
        const sent = queryParams.flatMap((p, i): SentParameter[] => values[i] === null ? [] : [{ name: p.name, text: asText(values[i]), schema: p.schema }])
        const extra = values[queryParams.length] as string | null
        // an undocumented parameter, or a documented one sent twice: either way not what the document describes
        if (extra !== null) sent.push({ name: extra, text: values[queryParams.length + 1] as string })
        return sent
      })
  }).map(({ path: inPath, query }) => ({
    url: inPath.reduce((url, p) => url.replace(`{${p.name}}`, encodeURIComponent(p.text)), path),
    query: new URLSearchParams(query.map((p): [string, string] => [p.name, p.text])).toString(),
    sent: [...inPath, ...query]
  }))
}

function bodyOf (doc: Document, op: Operation) {
  const media = op.requestBody?.content['application/json']
  if (media === undefined) return fc.constant({ payload: '', headers: {} as Record<string, string> })
  const json = fc.oneof(
    { weight: 5, arbitrary: valueOf(doc, media.schema) },
    { weight: 2, arbitrary: valueOf(doc, media.schema).map((v) => typeof v === 'object' && v !== null ? { ...v, extra: 1 } : v) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) }
  ).map((v) => JSON.stringify(v))
  return fc.record({
    payload: fc.oneof({ weight: 6, arbitrary: json }, { weight: 2, arbitrary: HOSTILE_BODY }),
    contentType: fc.constantFrom('application/json', 'application/json', 'application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', undefined)
  }).map(({ payload, contentType }) => ({ payload, headers: contentType === undefined ? {} as Record<string, string> : { 'content-type': contentType } }))
}

/** One generated request for an operation of the document, with the parameters and body as sent. */
export interface Generated { request: InjectOptions, sent: SentParameter[], body?: { payload: string, contentType?: string } }

export function hostileRequest (doc: Document, { path, method, op }: { path: string, method: string, op: Operation }, keys: { key: string, reader: string }): fc.Arbitrary<Generated> {
  const key = fc.constantFrom<string | undefined>(keys.key, keys.key, keys.key, keys.key, keys.key, keys.reader, 'wrong-key', undefined)
  const idempotencyKey = fc.option(fc.oneof(fc.stringMatching(/^[\x21-\x7e]{1,16}$/), fc.constant('x'.repeat(300))), { freq: 3 })
  return fc.record({ target: pathAndQuery(doc, path, op), body: bodyOf(doc, op), key, idempotencyKey }).map(({ target, body, key, idempotencyKey }) => ({
    request: {
      method: method.toUpperCase() as InjectOptions['method'],
      url: target.query === '' ? target.url : `${target.url}?${target.query}`,
      ...(op.requestBody === undefined ? {} : { payload: body.payload }),
      headers: {
        ...(op.requestBody === undefined ? {} : body.headers),
        ...(key === undefined ? {} : { 'x-api-key': key }),
        ...(idempotencyKey === null || method !== 'patch' ? {} : { 'idempotency-key': idempotencyKey })
      }
    },
    sent: target.sent,
    ...(op.requestBody === undefined ? {} : { body: { payload: body.payload, contentType: body.headers['content-type'] } })
  }))
}

export interface Endpoint { path: string, method: string, op: Operation }

/**
 * The operations of the document that API clients call. Left out: /mcp, which speaks JSON-RPC (its
 * answers are the MCP specification's; test/mcp checks it with the SDK's own client), and
 * /webhooks/hostaway, whose only caller is Hostaway with Basic credentials (test/routes/webhooks);
 * `all`: those too.
 */
const OTHER_PROTOCOLS = new Set(['/mcp', '/webhooks/hostaway'])

export function endpoints (doc: Document, { all = false }: { all?: boolean } = {}): Endpoint[] {
  return Object.entries(doc.paths).filter(([path]) => all || !OTHER_PROTOCOLS.has(path)).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ path, method, op })))
}

/** The requests the document's examples describe for one operation (one per body example). */
export function exampleRequests ({ path, method, op }: Endpoint, key: string): InjectOptions[] {
  let url = path
  const query: Record<string, string> = {}
  const headers: Record<string, string> = { 'x-api-key': key }
  for (const p of op.parameters ?? []) {
    const example = p.example ?? p.schema?.example ?? (p.schema?.examples as unknown[] | undefined)?.[0]
    if (example === undefined) {
      if (p.required === true && p.in !== 'header') throw new Error(`${method} ${path}: required parameter ${p.name} has no example`)
      continue
    }
    if (p.in === 'path') url = url.replace(`{${p.name}}`, encodeURIComponent(String(example)))
    if (p.in === 'query') query[p.name] = String(example)
    // a required header with an example (the Idempotency-Key of POST /api/batch/messages)
    if (p.in === 'header' && p.required === true) headers[p.name] = String(example)
  }
  const base = { method: method.toUpperCase() as InjectOptions['method'], url, query, headers }
  const bodies = examplesOf(op.requestBody?.content['application/json'])
  if (op.requestBody?.required === true && bodies.length === 0) throw new Error(`${method} ${path}: the request body has no example`)
  return bodies.length === 0 ? [base] : bodies.map((payload) => ({ ...base, payload: payload as object }))
}
