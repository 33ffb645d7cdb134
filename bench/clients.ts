// Caller B of the overload bench in its own process (so that the latencies it measures are the
// gateway's, not the bench process's: that one also runs the sandbox): USERS clients, one kept-alive
// connection each, each sending its next single GET when answered, and after the Retry-After it was
// given when refused. Driven over IPC: { cmd: 'connect' } → { connected }, { cmd: 'start' },
// { cmd: 'stop' } → { answers }.
import { Agent, request } from 'node:http'

/**
 * One GET as the client saw it. `ms`: from the call to the end of the answer. The epoch times
 * (`performance.timeOrigin + performance.now()`, comparable with the gateway's on one machine):
 * `written` when the request left the client (its 'finish'), `headers` when the answer's head
 * was parsed, `ended` when its body was read; `id` is the x-request-id it sent.
 */
export interface Answer { status: number, ms: number, errorType?: string, retryAfterS?: number, firstBurst: boolean, id: string, called: number, written: number, headers: number, ended: number }

type Command = { cmd: 'connect' } | { cmd: 'start' } | { cmd: 'stop' }

const port = Number(process.env.BENCH_PORT)
const key = process.env.BENCH_KEY ?? ''
const users = Number(process.env.BENCH_USERS)
const firstId = Number(process.env.BENCH_FIRST_ID)
const ids = Number(process.env.BENCH_IDS)
const agent = new Agent({ keepAlive: true, maxSockets: users })

const epoch = () => performance.timeOrigin + performance.now()
let sequence = 0

function get (path: string, firstBurst = false): Promise<Answer> {
  const t0 = performance.now()
  const called = epoch()
  const id = `bench-b-${process.pid}-${++sequence}`
  let written = Number.NaN
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent, headers: { 'x-api-key': key, 'x-request-id': id } }, (res) => {
      const headers = epoch()
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { text += chunk })
      res.on('end', () => {
        const retryAfter = res.headers['retry-after']
        resolve({
          status: res.statusCode ?? 0,
          ms: performance.now() - t0,
          errorType: (JSON.parse(text) as { error_type?: string }).error_type,
          retryAfterS: retryAfter === undefined ? undefined : Number(retryAfter),
          firstBurst,
          id,
          called,
          written,
          headers,
          ended: epoch()
        })
      })
    })
    req.on('error', reject)
    req.on('finish', () => { written = epoch() })
    req.end()
  })
}

const state = { done: false }
let stop: () => void = () => {}
const stopped = new Promise<void>((resolve) => { stop = resolve })
const answers: Answer[] = []
let running: Promise<unknown> = Promise.resolve()

process.on('message', (message: Command) => {
  if (message.cmd === 'connect') {
    Promise.all(Array.from({ length: users }, () => get('/health'))).then(() => process.send?.({ connected: true }), (err: unknown) => { throw err })
  }
  if (message.cmd === 'start') {
    running = Promise.all(Array.from({ length: users }, async (_, user) => {
      for (let k = 0; !state.done; k++) {
        const answer = await get(`/api/listings/${firstId + ((user + users * k) % ids)}`, k === 0)
        answers.push(answer)
        if (answer.status !== 200) await Promise.race([new Promise((resolve) => setTimeout(resolve, (answer.retryAfterS ?? 1) * 1000)), stopped])
      }
    }))
  }
  if (message.cmd === 'stop') {
    state.done = true
    stop()
    running.then(() => {
      process.send?.({ answers })
      agent.destroy()
      process.exit(0)
    }, (err: unknown) => { throw err })
  }
})
process.send?.({ ready: true })
