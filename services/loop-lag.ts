import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'

/** The event-loop delay of this process, as recently measured. */
export interface LoopLag {
  /** The longest event-loop delay (ms) measured within about the last `spanMs`, the current sample included; 0 when none. */
  recentMaxMs (spanMs: number): number
  close (): void
}

export interface LoopLagOptions {
  /** how often the longest delay is recorded (ms); a delay is remembered for `keepMs` */
  sampleMs: number
  keepMs: number
  /** monotonic clock (ms) */
  now: () => number
}

/** The sampling period of Node's event-loop delay histograms (ms): what an idle loop reports too. */
const RESOLUTION_MS = 10

/**
 * The longest event-loop stalls of the last seconds, from Node's event-loop delay histograms
 * (perf_hooks.monitorEventLoopDelay). A histogram reset right before a stall may miss it, so two
 * run side by side, reset in turn every `sampleMs`: one of them always covers the last `sampleMs`
 * whole. Each one's longest delay is recorded before its reset and kept `keepMs`.
 */
export function createLoopLag ({ sampleMs, keepMs, now }: LoopLagOptions): LoopLag {
  const histograms: IntervalHistogram[] = [monitorEventLoopDelay({ resolution: RESOLUTION_MS }), monitorEventLoopDelay({ resolution: RESOLUTION_MS })]
  for (const h of histograms) h.enable()
  /** longest delays (ms) recorded, with when, oldest first */
  const samples: Array<{ at: number, ms: number }> = []
  let turn = 0

  const delayOf = (h: IntervalHistogram) => h.count === 0 ? 0 : Math.max(0, h.max / 1e6 - RESOLUTION_MS)

  const timer = setInterval(() => {
    const t = now()
    const h = histograms[turn]
    const ms = delayOf(h)
    if (ms > 0) samples.push({ at: t, ms })
    while (samples.length > 0 && samples[0].at < t - keepMs) samples.shift()
    h.reset()
    turn = 1 - turn
  }, sampleMs)
  timer.unref()

  return {
    recentMaxMs (spanMs: number): number {
      const since = now() - spanMs
      let most = Math.max(delayOf(histograms[0]), delayOf(histograms[1]))
      for (let i = samples.length - 1; i >= 0 && samples[i].at >= since; i--) most = Math.max(most, samples[i].ms)
      return Math.round(most)
    },
    close (): void {
      clearInterval(timer)
      for (const h of histograms) h.disable()
    }
  }
}
