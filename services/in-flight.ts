import { abortError, ClientGone } from './abort.js'

/** One request in flight, as its handler sees it. */
export interface InFlightEntry {
  /** Aborts at the deadline, when the client disconnects or when everything is aborted; created on first use. */
  signal (): AbortSignal
  /** When the signal aborts at the latest (the `now` clock, ms); undefined: no deadline. */
  readonly deadline: number | undefined
}

interface Entry extends InFlightEntry {
  deadlineMs: number | undefined
  controller: AbortController | undefined
  timer: NodeJS.Timeout | undefined
  /** why it was aborted before anyone asked for its signal */
  reason: Error | undefined
}

/**
 * The requests in flight of one server, for cancelling their work and draining on shutdown. Each
 * request's signal is created only when a handler asks for it (most requests never do), with its
 * deadline timer counted from the request's start.
 */
export function createInFlight ({ now }: { now: () => number }) {
  const live = new Set<Entry>()
  let waiters: Array<() => void> = []

  function abort (entry: Entry, reason: Error): void {
    if (entry.controller === undefined) {
      entry.reason ??= reason
      return
    }
    if (!entry.controller.signal.aborted) entry.controller.abort(reason)
  }

  function signal (this: Entry): AbortSignal {
    if (this.controller !== undefined) return this.controller.signal
    const controller = new AbortController()
    this.controller = controller
    if (this.reason !== undefined) {
      controller.abort(this.reason)
      return controller.signal
    }
    if (this.deadlineMs !== undefined && this.deadline !== undefined && live.has(this)) {
      const ms = this.deadlineMs
      const left = this.deadline - now()
      this.timer = setTimeout(() => abort(this, abortError(`the request deadline of ${ms} ms passed`)), Math.max(0, Math.ceil(left)))
    }
    return controller.signal
  }

  return {
    /** A request started; `deadlineMs` from now its signal aborts (undefined: no deadline). */
    add (deadlineMs?: number): InFlightEntry {
      const startedAt = now()
      const deadline = deadlineMs === undefined ? undefined : startedAt + deadlineMs
      // `signal` is called as a method of the entry (lifecycle's workSignal getter): no per-request bind
      const entry: Entry = { deadlineMs, deadline, controller: undefined, timer: undefined, reason: undefined, signal }
      live.add(entry)
      return entry
    },

    /** The request ended; `disconnected`: before its response was complete (its work is aborted). */
    done (handle: InFlightEntry, disconnected: boolean): void {
      const entry = handle as Entry
      if (!live.delete(entry)) return
      clearTimeout(entry.timer)
      // a ClientGone reason: the work knows its response has no one to go to (clientGone)
      if (disconnected) abort(entry, new ClientGone())
      if (live.size === 0) {
        const wake = waiters
        waiters = []
        for (const w of wake) w()
      }
    },

    /** Abort the work of every request in flight, with `message` as the reason. */
    abortAll (message: string): void {
      for (const entry of live) abort(entry, abortError(message))
    },

    size (): number {
      return live.size
    },

    /** Resolves true once no request is in flight, or false after `ms`. */
    idle (ms: number): Promise<boolean> {
      if (live.size === 0) return Promise.resolve(true)
      return new Promise((resolve) => {
        const wake = () => {
          clearTimeout(timer)
          resolve(true)
        }
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== wake)
          resolve(false)
        }, ms)
        waiters.push(wake)
      })
    }
  }
}
