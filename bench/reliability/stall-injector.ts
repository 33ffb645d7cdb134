// Preloaded into a gateway process by bench/reliability/stalls.ts (`node --import tsx --import
// <this file> server.ts`): event-loop stalls, as a loaded gateway has them (a long JSON parse, a GC
// pause, a neighbour on the core), injected as busy-waits. STALL_MAX_MS: the longest stall (a stall
// lasts between a third of it and all of it); STALL_EVERY_MS: the pause between two stalls.
// Stalls start with the first request the gateway receives (a slow start is not the point).
// Reports on stdout, as a JSON line at exit, the stalls injected and the event-loop delay measured.
import diagnostics from 'node:diagnostics_channel'
import { monitorEventLoopDelay } from 'node:perf_hooks'

const maxMs = Number(process.env.STALL_MAX_MS ?? '0')
const everyMs = Number(process.env.STALL_EVERY_MS ?? '1000')
const histogram = monitorEventLoopDelay({ resolution: 10 })
histogram.enable()
let stalls = 0
let longest = 0

function stall (): void {
  const ms = maxMs / 3 + Math.random() * (maxMs * 2 / 3)
  const end = performance.now() + ms
  while (performance.now() < end);
  stalls++
  longest = Math.max(longest, ms)
  setTimeout(stall, everyMs * (0.5 + Math.random())).unref()
}

function begin (): void {
  diagnostics.unsubscribe('http.server.request.start', begin)
  histogram.reset()
  setTimeout(stall, everyMs).unref()
}

if (maxMs > 0) diagnostics.subscribe('http.server.request.start', begin)
process.on('exit', () => {
  process.stdout.write(JSON.stringify({ stall_report: { stalls, longest_stall_ms: Math.round(longest), loop_delay_max_ms: Math.round(histogram.max / 1e6), loop_delay_p99_ms: Math.round(histogram.percentile(99) / 1e6) } }) + '\n')
})
