/**
 * A clock the test moves by hand, with the timers that follow it: `now` and `schedule` are what the
 * rate limiter takes (`schedule` returns a cancel function). `advance` runs the timers that fall due,
 * in order, letting promise callbacks settle after each.
 */
export function fakeClock (start = 0) {
  let t = start
  let seq = 0
  let timers: Array<{ at: number, seq: number, fn: () => void }> = []

  const settle = () => new Promise<void>((resolve) => setImmediate(resolve))

  return {
    now: () => t,
    schedule (fn: () => void, ms: number): () => void {
      const timer = { at: t + ms, seq: seq++, fn }
      timers.push(timer)
      return () => { timers = timers.filter((other) => other !== timer) }
    },
    /** Move the clock `ms` forward, firing each timer at its time. */
    async advance (ms: number): Promise<void> {
      const end = t + ms
      for (;;) {
        const due = timers.filter((timer) => timer.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0]
        if (due === undefined) break
        timers = timers.filter((timer) => timer !== due)
        t = Math.max(t, due.at)
        due.fn()
        await settle()
      }
      t = end
      await settle()
    },
    /** Let promise callbacks and microtasks run without moving the clock. */
    settle,
    pending: () => timers.length
  }
}
