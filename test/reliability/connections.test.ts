import t from 'tap'
import { readFileSync } from 'node:fs'
import { FILE_RESERVE, openFileLimit } from '../../services/connections.js'
import { serve, until } from './helper.js'
import { open, parseResponses } from './raw-http.js'

// Idle client connections are closed, over raw connections against a listening gateway: one that
// sends nothing (or never finishes its headers) after HEADERS_TIMEOUT_MS, one idle after a response
// after KEEP_ALIVE_TIMEOUT_MS; and at most MAX_CONNECTIONS are open at once. Each variable is shown
// to take effect against a gateway where it is large: no timing is asserted, only which closes first.

const portOf = (url: string) => Number(new URL(url).port)
const LONG = '120000'

t.test('HEADERS_TIMEOUT_MS: a connection that sends nothing, or never ends its headers, gets 408 in the error schema and is closed', async (t) => {
  const short = await serve(t, { HEADERS_TIMEOUT_MS: '300' })
  const long = await serve(t, { HEADERS_TIMEOUT_MS: LONG })
  const silent = await open(t, portOf(short.url))
  const trickle = await open(t, portOf(short.url))
  trickle.socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\n')
  const control = await open(t, portOf(long.url))

  await until(() => silent.isClosed() && trickle.isClosed(), 20_000, 'both connections closed')
  t.notOk(control.isClosed(), 'the same silent connection to a gateway with a long timeout is still open')
  for (const connection of [silent, trickle]) {
    const [answer] = parseResponses(connection.received())
    t.equal(answer.status, 408)
    t.match(JSON.parse(answer.body), { statusCode: 408, error_type: 'timeout', message: 'The request was not received in time' })
  }
})

t.test('KEEP_ALIVE_TIMEOUT_MS: a connection idle after its response is closed', async (t) => {
  const short = await serve(t, { KEEP_ALIVE_TIMEOUT_MS: '300' })
  const long = await serve(t, { KEEP_ALIVE_TIMEOUT_MS: LONG })
  const request = 'GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n'
  const idle = await open(t, portOf(short.url))
  const control = await open(t, portOf(long.url))
  idle.socket.write(request)
  control.socket.write(request)
  await until(() => parseResponses(control.received()).length === 1, 20_000, 'the control answered')
  await until(() => idle.isClosed(), 20_000, 'the idle connection closed')
  t.same(parseResponses(idle.received()).map((r) => r.status), [200], 'answered, then closed without another word')
  t.notOk(control.isClosed(), 'the same connection to a gateway with a long keep-alive is still open')
  t.match(parseResponses(control.received())[0].headers['keep-alive'], 'timeout=120', 'the timeout is announced')
})

t.test('MAX_CONNECTIONS: beyond it a new connection is closed at once, and a warning says why; a freed place is taken again', async (t) => {
  const { url, logs } = await serve(t, { MAX_CONNECTIONS: '3', HEADERS_TIMEOUT_MS: LONG })
  const port = portOf(url)
  const held = [await open(t, port), await open(t, port), await open(t, port)]
  const refused = await open(t, port)
  await until(() => refused.isClosed(), 20_000, 'the fourth connection closed')
  t.equal(refused.received(), '', 'closed without an answer')
  t.ok(held.every((c) => !c.isClosed()), 'the three held connections stay open')
  const warning = logs.entries().find((e) => e.msg !== undefined && /^connection refused: 3 client connections are open \(MAX_CONNECTIONS\)/.test(String(e.msg)))
  t.match(warning, { level: 40, max_connections: 3, dropped: 1 }, 'one warning line')

  held[0].socket.destroy()
  await held[0].closed
  await until(async () => {
    const next = await open(t, port)
    next.socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n')
    await next.closed
    return parseResponses(next.received())[0]?.status === 200
  }, 20_000, 'a new connection served once a place is free')
})

t.test('MAX_CONNECTIONS=0 (the default): the open-file limit minus the reserve', { skip: process.platform !== 'linux' && 'reads /proc/self/limits' }, async (t) => {
  const { app } = await serve(t)
  const limit = openFileLimit(readFileSync('/proc/self/limits', 'utf8'))
  t.equal(app.server.maxConnections, limit === undefined ? undefined : Math.max(64, limit - FILE_RESERVE))
})
