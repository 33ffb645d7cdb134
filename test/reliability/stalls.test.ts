import t from 'tap'
import diagnostics from 'node:diagnostics_channel'
import Fastify from 'fastify'
import { pino } from 'pino'
import App, { serverOptions } from '../../app.js'
import { loadConfig } from '../../services/config.js'
import { loggerOptions } from '../../services/logger.js'
import { LogCapture } from '../log-capture.js'
import { parseMetrics, total } from '../fixtures/prometheus.js'
import { build, type Built } from '../helper.js'
import { everyItemOnce, type BatchBody } from './helper.js'
import { startSandboxProcess } from './sandbox-child.js'
import { sandboxUpstream, stallLoop } from '../fixtures/harness.js'

// The upstream budget under event-loop stalls (issue #21, defect 10). The upstream double runs in
// a child process, so its clock and loop are its own: it counts requests as an upstream receives
// them. The gateway runs here, and this process' event loop is stalled (stallLoop) while
// concurrent batches run. The gateway caps each window at the limit minus its safety margin; the
// double must never see more in any window, nor answer 429. Nothing here times the gateway.

const WINDOW_MS = 1000
const LIMIT_IP = 15
const LIMIT_ACCOUNT = 20
const LISTINGS = 2000

type Range = [number, number]

/**
 * Stalls (stallLoop) until stopped, as a loaded gateway's event loop has them: one of `every` ms
 * every 50–300 ms, and one of `onConnection` ms as a new connection opens, before its first
 * request can be written (at most one per turn of the loop; a TLS handshake to Hostaway takes
 * several turns, each of which may stall). The second kind falls between a rate-limit slot and
 * the request written in it, and is longer than the first, which delays the next grants: a budget
 * counting from the grant lets requests through bunched.
 */
function stallTheLoop ({ every: everyMs, onConnection: connectionMs }: { every: Range, onConnection: Range }): { stop: () => { stalls: number, longestMs: number } } {
  let timer: NodeJS.Timeout | undefined
  let stalledThisTurn = false
  let stalls = 0
  let longestMs = 0
  const busy = ([minMs, maxMs]: Range) => {
    const ms = minMs + Math.random() * (maxMs - minMs)
    stallLoop(ms)
    stalls++
    longestMs = Math.max(longestMs, ms)
  }
  const every = () => {
    busy(everyMs)
    timer = setTimeout(every, 50 + Math.random() * 250)
  }
  const onConnection = () => {
    if (stalledThisTurn) return
    stalledThisTurn = true
    setImmediate(() => { stalledThisTurn = false })
    busy(connectionMs)
  }
  diagnostics.subscribe('net.client.socket', onConnection)
  timer = setTimeout(every, 0)
  return {
    stop () {
      clearTimeout(timer)
      diagnostics.unsubscribe('net.client.socket', onConnection)
      return { stalls, longestMs: Math.round(longestMs) }
    }
  }
}

/** `n` distinct listing ids at random. */
function someIds (n: number): number[] {
  const ids = new Set<number>()
  while (ids.size < n) ids.add(1 + Math.floor(Math.random() * LISTINGS))
  return [...ids]
}

t.test('under event-loop stalls, the upstream never sees more than the cap in any window, and no 429', async (t) => {
  const upstream = await startSandboxProcess(t, {
    SANDBOX_RATE_WINDOW_MS: String(WINDOW_MS),
    SANDBOX_RATE_LIMIT_IP: String(LIMIT_IP),
    SANDBOX_RATE_LIMIT_ACCOUNT: String(LIMIT_ACCOUNT),
    SANDBOX_LISTING_COUNT: String(LISTINGS)
  })
  const config = loadConfig({
    LOG_LEVEL: 'warn',
    ...sandboxUpstream(upstream),
    HOSTAWAY_RATE_WINDOW_MS: String(WINDOW_MS),
    HOSTAWAY_TOKEN_SETTLE_MS: '20',
    // one GET per id, none cached: every item is an upstream request
    BATCH_PLANNER: 'off',
    CACHE_TTL_MS: '0',
    // this test is about the budget: no batch is refused for the load it makes
    PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '0'
  })
  // a start on a loaded machine may take longer than avvio's default 10 s: only the test's timeout bounds it
  const app = Fastify({ ...serverOptions(config, { loggerInstance: pino(loggerOptions(config, { pretty: false }), new LogCapture()) }), pluginTimeout: 0 })
  await app.register(App, { config })
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => app.close())
  const address = app.server.address()
  const url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`

  const batches = Array.from({ length: 12 }, () => someIds(40))
  const stalls = stallTheLoop({ every: [100, 300], onConnection: [450, 650] })
  let answers: Array<{ status: number, body: BatchBody }>
  try {
    answers = await Promise.all(batches.map(async (ids) => {
      const res = await fetch(`${url}/api/batch/listings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ids, timeout_ms: 10_000 })
      })
      return { status: res.status, body: await res.json() as BatchBody }
    }))
  } finally {
    const injected = stalls.stop()
    t.ok(injected.stalls >= 5, `the loop stalled ${injected.stalls} times, up to ${injected.longestMs} ms`)
  }
  for (const [i, answer] of answers.entries()) {
    t.equal(answer.status, 200, `batch ${i} answered`)
    t.equal(everyItemOnce(answer.body, batches[i]), undefined, `batch ${i} reports every item once`)
  }

  const stats = await upstream.stats()
  const cap = LIMIT_IP - config.HOSTAWAY_RATE_SAFETY_MARGIN
  t.ok(stats.requests.total > 2 * cap, `the budget was used for more than two windows: ${stats.requests.total} upstream requests`)
  t.equal(stats.rate_limited, 0, 'no request answered 429')
  t.ok(stats.max_in_window_ip <= cap, `at most ${cap} requests in any ${WINDOW_MS} ms window, as the upstream counted them (saw ${stats.max_in_window_ip})`)
})

t.test('HOSTAWAY_RATE_LAG_MARGIN_MAX_MS: after a stall the window grows by the loop delay measured, at most this; 0 = off', async (t) => {
  const capped = await build(t, { HOSTAWAY_RATE_LAG_MARGIN_MAX_MS: '300', PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '0' })
  const off = await build(t, { HOSTAWAY_RATE_LAG_MARGIN_MAX_MS: '0', PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '0' })
  const margin = async (app: Built['app']) => total(parseMetrics((await app.inject({ url: '/metrics' })).body).samples, 'hostaway_budget_lag_margin_seconds')
  stallLoop(600)
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.equal(await margin(capped.app), 0.3, 'a 600 ms stall: the window is 300 ms longer, the most allowed')
  t.equal(await margin(off.app), 0, 'off: the window stays')
})
