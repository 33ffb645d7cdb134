// The interactive caller of the `jobs` section's one-job scenario (#24): another API key than the
// job's, sending single requests that each need an upstream call while the job runs, so that the
// fair queue has two callers to share the budget between (the job's items in the batch lane of key
// A's share, these in the single lane of key B's share; both weight 1).
import type { RunningSandbox } from '../sandbox/index.js'
import { sleep } from './servers.js'

/** the gateway's default REQUEST_TIMEOUT_MS: a single-item request is answered within it */
export const REQUEST_TIMEOUT_MS = 15_000
/** The sandbox's route of the interactive caller's upstream calls: the job never calls it. */
const B_ROUTE = 'GET /v1/reservations/:id'
const JOB_ROUTE = 'PUT /v1/listings/:id'

const pct = (sorted: number[], p: number) => sorted.length === 0 ? null : Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))])
const latency = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  return { p50_ms: pct(sorted, 0.5), p99_ms: pct(sorted, 0.99), max_ms: sorted.length === 0 ? null : Math.round(sorted[sorted.length - 1]) }
}

interface Answer { status: number, errorType: string | undefined, ms: number }

async function get (port: number, key: string, path: string): Promise<Answer> {
  const t0 = performance.now()
  try {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { 'x-api-key': key } })
    const text = await res.text()
    let errorType: string | undefined
    if (res.status !== 200) {
      try { errorType = (JSON.parse(text) as { error_type?: string }).error_type } catch { errorType = 'unparsable' }
    }
    return { status: res.status, errorType, ms: performance.now() - t0 }
  } catch {
    return { status: 0, errorType: 'connection', ms: performance.now() - t0 }
  }
}

/**
 * Key `key` asks for one booking not asked before (`GET /api/bookings/{id}`: not cached, one
 * upstream GET each) every `everyMs`, without waiting for the previous answer (an open loop: the
 * demand does not slow down when answers do), from now until `stop()`. `stop` waits for the
 * answers still due and reports them, and what the sandbox received meanwhile: the upstream calls
 * of this caller and of the job, and this caller's share of them.
 */
export function interactiveCaller (port: number, key: string, sb: RunningSandbox, everyMs: number) {
  const answers: Array<Promise<Answer>> = []
  const state = { stopped: false }
  const before = sb.stats()
  const t0 = performance.now()
  const loop = (async () => {
    await before
    for (let id = 1; !state.stopped; id++) {
      answers.push(get(port, key, `/api/bookings/${id}`))
      await sleep(everyMs)
    }
  })()
  return {
    async stop () {
      state.stopped = true
      await loop
      const all = await Promise.all(answers)
      const ranMs = performance.now() - t0
      const [s0, s1] = [await before, await sb.stats()]
      const delta = (route: string) => (s1.requests.by_route[route] ?? 0) - (s0.requests.by_route[route] ?? 0)
      const upstream = s1.requests.total - s0.requests.total
      const bCalls = delta(B_ROUTE)
      const served = all.filter((a) => a.status === 200)
      const refused = all.filter((a) => a.status === 503 && a.errorType === 'rate_limit')
      const other: Record<string, number> = {}
      for (const a of all) if (a.status !== 200 && !refused.includes(a)) other[`${a.status} ${a.errorType ?? ''}`.trim()] = (other[`${a.status} ${a.errorType ?? ''}`.trim()] ?? 0) + 1
      return {
        every_ms: everyMs,
        demand_per_s: +(1000 / everyMs).toFixed(3),
        sent: all.length,
        served: served.length,
        refused: refused.length,
        other,
        served_latency: latency(served.map((a) => a.ms)),
        within_request_timeout: served.filter((a) => a.ms <= REQUEST_TIMEOUT_MS).length,
        ran_ms: Math.round(ranMs),
        /** every request the sandbox received while this caller ran (the job's PUTs, these GETs) */
        upstream_calls: upstream,
        b_upstream_calls: bCalls,
        job_upstream_calls: delta(JOB_ROUTE),
        b_share: upstream === 0 ? 0 : +(bCalls / upstream).toFixed(3)
      }
    }
  }
}
