import { test } from 'tap'
import { connect } from 'node:net'
import { build } from './helper.js'
import { schemaChecker, type Document } from './openapi-check.js'

interface RawResponse { status: number, headers: Record<string, string>, body: string }

/**
 * Send bytes as they are over a new TCP connection (never half-closed: Node drops a request whose
 * client ended its side) and read the answer until the server closes the connection, which every
 * request here asks for (Connection: close, HTTP/1.0, or an error that ends the connection).
 */
function send (port: number, raw: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    const timer = setTimeout(() => socket.destroy(), 5000)
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', (err: NodeJS.ErrnoException) => { if (err.code !== 'ECONNRESET') reject(err) })
    socket.on('close', () => {
      clearTimeout(timer)
      const text = Buffer.concat(chunks).toString('utf8')
      const [head, ...rest] = text.split('\r\n\r\n')
      const [statusLine, ...lines] = head.split('\r\n')
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]))
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') })
    })
    socket.write(raw)
  })
}

/** A request with a body, its Content-Length right. */
const withBody = (head: string, body: string) => `${head}Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`

test('over real HTTP, every rejection — before routing too — has the ErrorResponse body and an X-Request-Id', async (t) => {
  const { app } = await build(t, { API_KEYS: 'proto-key' })
  const doc = (await app.inject('/openapi.json')).json() as Document
  const check = schemaChecker(doc)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }
  const key = 'X-API-Key: proto-key\r\n'

  const cases: Array<[string, string, number, RegExp]> = [
    ['a malformed request line', 'GET /health HTTP/1.1 extra\r\nHost: x\r\n\r\n', 400, /^Malformed HTTP request \(HPE_/],
    ['an invalid method', 'G\x01T /health HTTP/1.1\r\nHost: x\r\n\r\n', 400, /^Malformed HTTP request/],
    ['an invalid header', 'GET /health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n', 400, /^Malformed HTTP request/],
    ['a bad Content-Length', `POST /api/batch/listings HTTP/1.1\r\nHost: x\r\n${key}Content-Type: application/json\r\nContent-Length: abc\r\n\r\n{}`, 400, /^Malformed HTTP request/],
    ['headers over the limit', `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, /larger than the server accepts/],
    ['a URL over the limit', `GET /api/listings?city=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431, /larger than the server accepts/],
    ['no Host in HTTP/1.1', `GET /api/listings/1 HTTP/1.1\r\n${key}Connection: close\r\n\r\n`, 400, /^An HTTP\/1\.1 request must have a Host header$/],
    ['an unsupported Expect', withBody(`POST /api/batch/listings HTTP/1.1\r\nHost: x\r\n${key}Expect: 200-ok\r\nContent-Type: application/json\r\n`, '{"ids":[1]}'), 417, /Expect: 100-continue/],
    ['a path parameter over 100 characters', `GET /api/listings/${'1'.repeat(101)} HTTP/1.1\r\nHost: x\r\n${key}Connection: close\r\n\r\n`, 414, /longer than 100 characters/],
    ['bad percent-encoding', `GET /api/listings/%c0 HTTP/1.1\r\nHost: x\r\n${key}Connection: close\r\n\r\n`, 400, /not valid/],
    ['a text body', withBody(`POST /api/batch/listings HTTP/1.1\r\nHost: x\r\n${key}Content-Type: text/plain\r\n`, '{"ids":[1]}'), 415, /^Content-Type must be application\/json$/],
    ['a __proto__ key', withBody(`POST /api/batch/listings HTTP/1.1\r\nHost: x\r\n${key}Content-Type: application/json\r\n`, '{"ids":[1],"__proto__":{"admin":1}}'), 400, /^body\/__proto__ is not an allowed field$/],
    ['a hex id', `GET /api/listings/0x10 HTTP/1.1\r\nHost: x\r\n${key}Connection: close\r\n\r\n`, 400, /^params\/listingId must be an integer/],
    ['no API key', 'GET /api/listings/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 401, /X-API-Key/]
  ]
  for (const [what, raw, status, message] of cases) {
    const res = await send(port, raw)
    t.equal(res.status, status, `${what}: ${status}`)
    t.match(res.headers['content-type'], /^application\/json/, `${what}: JSON`)
    let body: { request_id?: string, message?: string, statusCode?: number } = {}
    try {
      body = JSON.parse(res.body) as typeof body
    } catch {
      t.fail(`${what}: the body is JSON (${res.body.slice(0, 80)})`)
    }
    t.equal(check({ $ref: '#/components/schemas/ErrorResponse' }, body), '', `${what}: the body is an ErrorResponse`)
    t.equal(body.statusCode, status)
    t.match(body.message, message, `${what}: the message`)
    t.ok(res.headers['x-request-id'] !== undefined && res.headers['x-request-id'] === body.request_id, `${what}: X-Request-Id echoes request_id`)
  }

  const oldClient = await send(port, `GET /api/listings/1 HTTP/1.0\r\n${key}\r\n`)
  t.equal(oldClient.status, 200, 'HTTP/1.0 needs no Host header')
  const continued = await send(port, withBody(`POST /api/batch/listings HTTP/1.1\r\nHost: x\r\n${key}Expect: 100-continue\r\nContent-Type: application/json\r\n`, '{"ids":[1]}'))
  t.equal(continued.status, 100, 'Expect: 100-continue is honoured (100, then the answer)')
  t.match(continued.body, /HTTP\/1\.1 200 OK/)
})
