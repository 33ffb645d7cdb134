import t from 'tap'
import { serve, upstreamCount, type BatchBody } from './helper.js'
import { exchange } from './raw-http.js'

// Pipelining over a raw connection: a malformed request sent behind valid ones must not pre-empt
// or cut short their answers. Each earlier response is written in full, then the 400, then the
// connection closes (app.ts, clientErrorHandler; services/connections.ts).

const PUTS = /^PUT \/v1\/listings\/:id$/
const portOf = (url: string) => Number(new URL(url).port)
const json = (head: string, body: string) => `${head}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`

t.test('a malformed request pipelined behind a PATCH: the PATCH answered in full first, then the 400, then the connection closes', async (t) => {
  // the writes take a while upstream: the malformed request arrives while they are in flight
  const { url, sandbox: sb } = await serve(t, {}, { faults: { latency_ms: { min: 200, max: 200 } } })
  const patch = json('PATCH /api/listings/batch HTTP/1.1\r\nHost: localhost\r\n', JSON.stringify({ updates: [{ listing_id: 1, price: 171 }, { listing_id: 2, price: 172 }] }))
  const responses = await exchange(t, portOf(url), `${patch}BROKEN / HTTP/1.1\r\nHost: localhost\r\n\r\n`)

  t.same(responses.map((r) => r.status), [200, 400], 'the PATCH first, then the 400')
  const batch = JSON.parse(responses[0].body) as BatchBody
  t.equal(batch.success_count, 2, 'both writes confirmed')
  t.same(batch.failed, [], 'none outcome_unknown: the PATCH was not cut short')
  t.equal(upstreamCount((await sb.stats()).requests.by_route, PUTS), 2)
  const error = JSON.parse(responses[1].body) as { statusCode: number, error_type: string, message: string, request_id: string }
  t.match(error, { statusCode: 400, error_type: 'validation_error', message: /^Malformed HTTP request \(HPE_/ })
  t.equal(responses[1].headers['x-request-id'], error.request_id)
  t.equal(responses[1].headers.connection, 'close')
})

t.test('several requests before the malformed one are each answered, in order', async (t) => {
  const { url } = await serve(t, {}, { faults: { latency_ms: { min: 100, max: 100 } } })
  const get = (id: number) => `GET /api/listings/${id} HTTP/1.1\r\nHost: localhost\r\n\r\n`
  const responses = await exchange(t, portOf(url), `${get(3)}${get(4)}${get(5)}GET /health HTTP/1.1\r\nHost: localhost\r\nBad Header\r\n\r\n`)
  t.same(responses.map((r) => r.status), [200, 200, 200, 400])
  t.same(responses.slice(0, 3).map((r) => (JSON.parse(r.body) as { id: number }).id), [3, 4, 5])
})

t.test('a request whose own body is malformed is answered 400 at once; nothing waits for it', async (t) => {
  const { url, sandbox: sb } = await serve(t)
  const raw = 'PATCH /api/listings/batch HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n' +
    '{"updates":[{"listing_id":1,"price":1}]}\r\n'
  const responses = await exchange(t, portOf(url), raw)
  t.same(responses.map((r) => r.status), [400])
  t.match(JSON.parse(responses[0].body), { error_type: 'validation_error', message: /^Malformed HTTP request/ })
  t.equal(upstreamCount((await sb.stats()).requests.by_route, PUTS), 0, 'nothing sent')
})
