import { test } from 'tap'
import { connect } from 'node:net'
import { build } from './helper.js'
import { serve, until, type Served } from './reliability/helper.js'
import { examplesOf, type Document, type Operation } from './openapi-check.js'
import { endpoints, type Endpoint } from './contract-corpus.js'
import { INTERNAL_ERROR_MESSAGE } from '../services/error-response.js'

/**
 * Every error example of the document is a message its operation really answers: for each
 * operation and each documented error status, a request is derived from the example (a bad
 * parameter for a 400, no key for a 401, a key without the scope for a 403, id 999999 for a 404,
 * …) and sent to a gateway — by app.inject, or over a real socket where Node's parser answers
 * (417, 431); the upstream errors (502, 503, 504) come from the sandbox with faults and tight
 * limits. The answer's status and message must be the example's (durations in ms aside, which
 * depend on the configuration).
 */

const KEY = 'examples-key'
const WEBHOOK = { user: 'hostaway', password: 'examples-hook' }
const ENV = {
  API_KEYS: `${KEY}, reader:read, scraper:metrics`,
  HOSTAWAY_WEBHOOK_USER: WEBHOOK.user,
  HOSTAWAY_WEBHOOK_PASSWORD: WEBHOOK.password,
  BODY_LIMIT_BYTES: '1024',
  HOSTAWAY_TIMEOUT_MS: '300',
  // every upstream error of this test is on purpose: the breaker must not turn them into another answer
  BREAKER_FAILURE_THRESHOLD: '1000',
  CACHE_TTL_MS: '0',
  NEGATIVE_CACHE_TTL_MS: '0'
}
/** The scope a key of ENV lacks: a key for each scope an operation may require. */
const KEY_WITHOUT: Record<string, string> = { read: 'scraper', write: 'reader', secrets: 'reader', messages: 'reader', metrics: 'reader' }

interface Answer { status: number, message: string }
interface Example { endpoint: Endpoint, status: number, message: string }

const normalized = (message: string) => message.replace(/\d+ ms/g, 'N ms')

/** The error examples of the document: operation, status and message. */
function errorExamples (doc: Document): Example[] {
  return endpoints(doc, { all: true }).flatMap((endpoint) => Object.entries(endpoint.op.responses)
    .filter(([status]) => Number(status) >= 400)
    .flatMap(([status, response]) => examplesOf(response.content?.['application/json'])
      .map((example) => ({ endpoint, status: Number(status), message: String((example as { message?: unknown }).message) }))))
}

/** The operation's URL with its path parameters set (`id` for the id, the documented example for the others) and its documented query examples. */
function urlOf ({ path, op }: Endpoint, id: string | undefined = undefined, query: Record<string, string> = {}): string {
  let url = path
  const search = new URLSearchParams()
  for (const p of op.parameters ?? []) {
    const example = p.example ?? p.schema?.example
    if (p.in === 'path') url = url.replace(`{${p.name}}`, encodeURIComponent(id ?? String(example)))
    if (p.in === 'query' && p.required === true) search.set(p.name, String(example))
  }
  for (const [name, value] of Object.entries(query)) search.set(name, value)
  return search.size === 0 ? url : `${url}?${search.toString()}`
}

/** The first documented request body of the operation, as text. */
function bodyOf (op: Operation): string | undefined {
  const media = op.requestBody?.content['application/json']
  return media === undefined ? undefined : JSON.stringify(examplesOf(media)[0] ?? {})
}

/** Send bytes over a new connection and read the answer until the server closes it (Connection: close). */
function raw (port: number, request: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', (err: NodeJS.ErrnoException) => { if (err.code !== 'ECONNRESET') reject(err) })
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      const [head, ...rest] = text.split('\r\n\r\n')
      resolve({ status: Number(head.split(' ')[1]), message: String((JSON.parse(rest.join('\r\n\r\n')) as { message?: unknown }).message) })
    })
    socket.write(request)
  })
}

const withBody = (head: string, body: string) => `${head}Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`

/** The sandbox route (as its stats and faults name it) of the upstream call an example names: "GET /listings/1" → "GET /v1/listings/:id". */
function sandboxRoute (message: string): { route: string } {
  const call = /^(GET \/[\w/]+)/.exec(message)?.[1] ?? ''
  return { route: call.replace(/^GET \//, 'GET /v1/').replace(/\/\d+/g, '/:id') }
}

test('every error example of the document is what its operation answers', async (t) => {
  const main = await serve(t, ENV)
  const { app, sandbox, url } = main
  const port = Number(new URL(url).port)
  const doc = (await app.inject('/openapi.json')).json() as Document
  const examples = errorExamples(doc)
  t.ok(examples.length >= 60, `${examples.length} error examples`)

  const key = { 'x-api-key': KEY }
  const json = { 'content-type': 'application/json' }
  const basic = `Basic ${Buffer.from(`${WEBHOOK.user}:${WEBHOOK.password}`).toString('base64')}`
  const inject = async (method: string, target: string, headers: Record<string, string>, payload?: string): Promise<Answer> => {
    const res = await app.inject({ method: method as 'GET', url: target, headers, ...(payload === undefined ? {} : { payload }) })
    return { status: res.statusCode, message: String(res.json().message) }
  }
  /** The credentials an operation needs, and its body with its content type. */
  const authOf = ({ path }: Endpoint) => path === '/webhooks/hostaway' ? { authorization: basic } : key
  const send = (endpoint: Endpoint, target: string, headers: Record<string, string> = {}, payload: string | undefined = bodyOf(endpoint.op)) =>
    inject(endpoint.method.toUpperCase(), target, { ...authOf(endpoint), ...(payload === undefined ? {} : json), ...headers }, payload)

  /** The gateway with the webhook receiver off (only its 404 needs it). */
  let receiverOff: Served['app'] | undefined
  /** A gateway whose upstream budget is two calls a minute and whose requests may wait 2 s: the third call is refused at once. */
  let tight: Served | undefined

  async function produce ({ endpoint, status, message }: Example): Promise<Answer | string> {
    const { path, method, op } = endpoint
    const verb = method.toUpperCase()
    switch (status) {
      case 400: {
        let m: RegExpExecArray | null
        if ((m = /^params\/(\w+) must be an integer/.exec(message)) !== null) return await send(endpoint, urlOf(endpoint, '1x'))
        if ((m = /^querystring\/(\w+) must be <= (\d+)$/.exec(message)) !== null) return await send(endpoint, urlOf(endpoint, undefined, { [m[1]]: String(Number(m[2]) + 1) }))
        if ((m = /^body\/(\w+) must NOT have fewer than 1 items$/.exec(message)) !== null) return await send(endpoint, urlOf(endpoint), {}, JSON.stringify({ [m[1]]: [] }))
        if (message === 'body must be object') return await send(endpoint, urlOf(endpoint), {}, '[]')
        if (message === 'querystring/unknown is not an allowed field') return await send(endpoint, urlOf(endpoint, undefined, { unknown: '1' }))
        if (/^Body is not valid JSON/.test(message)) return await send(endpoint, urlOf(endpoint), {}, '{')
        return 'no request derived from this 400 message'
      }
      case 401: return await inject(verb, urlOf(endpoint), bodyOf(op) === undefined ? {} : json, bodyOf(op))
      case 403: {
        if (/^Origin https:\/\/evil\.example/.test(message)) return await send(endpoint, urlOf(endpoint), { origin: 'https://evil.example', accept: 'application/json, text/event-stream' })
        const scope = /lacks the "(\w+)" scope/.exec(message)?.[1] ?? ''
        return await send(endpoint, urlOf(endpoint), { 'x-api-key': KEY_WITHOUT[scope] ?? '' })
      }
      case 404: {
        if (path === '/webhooks/hostaway') {
          receiverOff ??= (await build(t, { API_KEYS: KEY })).app
          const res = await receiverOff.inject({ method: 'POST', url: path, headers: { ...json, authorization: basic }, payload: bodyOf(op) })
          return { status: res.statusCode, message: String(res.json().message) }
        }
        if (/^GET \/\w+ → HTTP 404/.test(message)) {
          // a list: the upstream's 404 for the list itself
          await sandbox.setFaults({ fail_routes: { 404: [sandboxRoute(message).route] } })
          try {
            return await send(endpoint, urlOf(endpoint))
          } finally {
            await sandbox.setFaults({})
          }
        }
        return await send(endpoint, urlOf(endpoint, '999999'))
      }
      case 409: case 422: {
        // the same Idempotency-Key: while the first request runs (slow upstream), or with another body
        const first = bodyOf(op) ?? '{}'
        const idem = { 'idempotency-key': `examples-${status}` }
        if (status === 422) {
          await send(endpoint, urlOf(endpoint), idem, first)
          // another body: the same items, another deadline
          const other = { ...(JSON.parse(first) as Record<string, unknown>), timeout_ms: 123_456 }
          return await send(endpoint, urlOf(endpoint), idem, JSON.stringify(other))
        }
        await sandbox.setFaults({ latency_ms: { min: 1500, max: 1500 } })
        try {
          const running = send(endpoint, urlOf(endpoint), idem, first)
          await until(() => main.logs.entries().some((e) => (e.req as { url?: string } | undefined)?.url === path), 10_000, 'the first request received')
          const second = await send(endpoint, urlOf(endpoint), idem, first)
          await running
          return second
        } finally {
          await sandbox.setFaults({})
        }
      }
      case 413: return await send(endpoint, urlOf(endpoint), {}, JSON.stringify({ padding: 'x'.repeat(2048) }))
      case 414: return await send(endpoint, urlOf(endpoint, '1'.repeat(101)))
      case 415: return await send(endpoint, urlOf(endpoint), { 'content-type': 'text/plain' }, 'text')
      case 417: return await raw(port, withBody(`${verb} ${urlOf(endpoint)} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: ${KEY}\r\nExpect: 200-ok\r\nContent-Type: application/json\r\n`, bodyOf(op) ?? '{}'))
      case 431: return await raw(port, `${verb} ${urlOf(endpoint)} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20_000)}\r\nConnection: close\r\n\r\n`)
      case 502: case 504: {
        const { route } = sandboxRoute(message)
        await sandbox.setFaults({ fail_routes: status === 502 ? { 500: [route] } : { hang: [route] } })
        try {
          return await send(endpoint, urlOf(endpoint, '1'))
        } finally {
          await sandbox.setFaults({})
        }
      }
      case 503: {
        if (/^The gateway is shutting down/.test(message)) {
          // a request arriving while the gateway drains one still in flight (a real connection: inject is refused while closing)
          const closing = await serve(t, ENV, { faults: { latency_ms: { min: 1500, max: 1500 } } })
          await closing.app.inject({ url: '/ready' })
          const inFlight = fetch(`${closing.url}/api/listings/1`, { headers: key })
          await until(() => closing.logs.entries().some((e) => (e.req as { url?: string } | undefined)?.url === '/api/listings/1'), 10_000, 'the read received')
          const closed = closing.app.close()
          await until(() => closing.logs.entries().some((e) => e.msg === 'draining: waiting for the requests in flight'), 10_000, 'the drain')
          const body = bodyOf(op)
          const res = await fetch(`${closing.url}${urlOf(endpoint)}`, { method: verb, headers: { ...authOf(endpoint), ...(body === undefined ? {} : json) }, ...(body === undefined ? {} : { body }) })
          const answer = { status: res.status, message: String((await res.json() as { message?: unknown }).message) }
          await inFlight
          await closed
          return answer
        }
        if (/^Not ready: /.test(message)) {
          const wrong = await build(t, { HOSTAWAY_API_KEY: 'wrong-secret' })
          return await wrong.app.inject({ url: path }).then((res) => ({ status: res.statusCode, message: String(res.json().message) }))
        }
        if (/no rate-limit slot in time/.test(message)) {
          tight ??= await serve(t, { ...ENV, HOSTAWAY_RATE_LIMIT_IP: '3', HOSTAWAY_RATE_LIMIT_ACCOUNT: '3', HOSTAWAY_RATE_WINDOW_MS: '60000', REQUEST_TIMEOUT_MS: '2000' })
          let answer: Answer = { status: 0, message: '' }
          // the budget is spent by the first calls (the token's among them); then every call is refused at once
          for (let i = 0; i < 4 && answer.status !== 503; i++) {
            const res = await tight.app.inject({ method: verb as 'GET', url: urlOf(endpoint, '1'), headers: key })
            answer = { status: res.statusCode, message: String(res.json().message) }
          }
          return answer
        }
        return 'no request derived from this 503 message'
      }
      default: return `no request derived for status ${status}`
    }
  }

  for (const example of examples) {
    const { endpoint: { method, path }, status, message } = example
    const label = `${method.toUpperCase()} ${path} ${status}`
    if (status === 500) {
      // no request makes a 500 on purpose; every 500 has this one message (services/error-response.ts)
      t.equal(message, INTERNAL_ERROR_MESSAGE, `${label}: the one message of every 500`)
      continue
    }
    const answer = await produce(example).catch((err: Error) => `the request failed: ${err.message}`)
    if (typeof answer === 'string') {
      t.fail(`${label}: ${answer} (${message})`)
      continue
    }
    t.same({ status: answer.status, message: normalized(answer.message) }, { status, message: normalized(message) }, `${label}: ${message}`)
  }
})
