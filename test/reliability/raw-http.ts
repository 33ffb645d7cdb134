import { connect, type Socket } from 'node:net'
import { request } from 'node:http'

export interface RawResponse { status: number, headers: Record<string, string>, body: string }

/** The HTTP/1.1 responses in `text`, one after the other (bodies by Content-Length, as the gateway sends them). */
export function parseResponses (text: string): RawResponse[] {
  const responses: RawResponse[] = []
  let rest = Buffer.from(text, 'utf8')
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n')
    if (end === -1) break
    const [statusLine, ...lines] = rest.subarray(0, end).toString('utf8').split('\r\n')
    const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]))
    const length = Number(headers['content-length'] ?? 0)
    responses.push({ status: Number(statusLine.split(' ')[1]), headers, body: rest.subarray(end + 4, end + 4 + length).toString('utf8') })
    rest = rest.subarray(end + 4 + length)
  }
  return responses
}

/** An open connection that reads everything the server sends, and tells when the server closed it. */
export interface Connection {
  socket: Socket
  /** what the server sent so far */
  received: () => string
  /** resolves when the connection is closed (by the server, or `destroy`) */
  closed: Promise<void>
  isClosed: () => boolean
}

/**
 * A TCP connection to the gateway that keeps reading (a socket that stops reading would never see
 * the server close it), never half-closed by us; destroyed with the test.
 */
export async function open (t: { teardown: (fn: () => unknown) => void }, port: number): Promise<Connection> {
  const socket = connect(port, '127.0.0.1')
  t.teardown(() => { socket.destroy() })
  const chunks: Buffer[] = []
  let isClosed = false
  socket.on('data', (chunk: Buffer) => chunks.push(chunk))
  socket.on('error', () => {})
  const closed = new Promise<void>((resolve) => socket.once('close', () => {
    isClosed = true
    resolve()
  }))
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('close', () => reject(new Error('closed before connecting')))
  })
  return { socket, received: () => Buffer.concat(chunks).toString('utf8'), closed, isClosed: () => isClosed }
}

/** Send `raw` over a new connection and read every response until the server closes it. */
export async function exchange (t: { teardown: (fn: () => unknown) => void }, port: number, raw: string): Promise<RawResponse[]> {
  const connection = await open(t, port)
  connection.socket.write(raw)
  await connection.closed
  return parseResponses(connection.received())
}

/**
 * One request with the headers exactly as given (`Host` and `Origin` included, which fetch would
 * not let a test choose): status and parsed JSON body.
 */
export function send (url: string, opts: { method?: string, path: string, headers?: Record<string, string>, body?: unknown }): Promise<{ status: number, body: Record<string, unknown> & { message?: string, error_type?: string } }> {
  const { hostname, port } = new URL(url)
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body)
  return new Promise((resolve, reject) => {
    const req = request({
      host: hostname,
      port,
      method: opts.method ?? 'GET',
      path: opts.path,
      headers: { ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }), ...opts.headers }
    }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let body: Record<string, unknown> = {}
        try {
          body = JSON.parse(text) as Record<string, unknown>
        } catch {
          body = { text }
        }
        resolve({ status: res.statusCode ?? 0, body })
      })
    })
    req.on('error', reject)
    req.end(payload)
  })
}
