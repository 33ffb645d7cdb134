import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

/**
 * The gateway's client connections (README, "Connections"): how long an idle one may stay open,
 * how many may be open at once, and the order of answers on a connection whose next request is
 * malformed. The timeouts themselves are Node's (app.ts passes them to the HTTP server).
 */

/** Open files MAX_CONNECTIONS=0 keeps free of client connections: upstream sockets (64 per agent), Redis, the audit log, stdio. */
export const FILE_RESERVE = 256

/**
 * Longest time between two looks of Node for connections past HEADERS_TIMEOUT_MS (ms). Such a
 * connection is closed at the first look after its timeout: within this, plus the time to close
 * all those found at once (a few ms for thousands), so at most 1 s after HEADERS_TIMEOUT_MS.
 */
const MAX_CHECK_INTERVAL_MS = 500

/**
 * How often the server looks for connections that did not send their headers in time: a quarter
 * of the timeout, between 50 and 500 ms (Node's default, 30 s, let an idle connection stay half a
 * minute past its timeout). A look only visits connections waiting for headers: cheap.
 */
export function checkIntervalMs (headersTimeoutMs: number): number {
  return Math.min(MAX_CHECK_INTERVAL_MS, Math.max(50, Math.floor(headersTimeoutMs / 4)))
}

/** The soft limit of open files in the text of /proc/self/limits (undefined: unlimited, or not found). */
export function openFileLimit (limits: string): number | undefined {
  const line = limits.split('\n').find((l) => l.startsWith('Max open files'))
  const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0]
  return soft !== undefined && /^\d+$/.test(soft) ? Number(soft) : undefined
}

/**
 * The connection cap: MAX_CONNECTIONS when set, else (0) the open-file limit minus FILE_RESERVE, so
 * that a flood of connections leaves the gateway the files it needs to answer them (at least 64);
 * undefined (no cap) when the limit cannot be read (`limits` gives the text of /proc/self/limits).
 */
export function connectionCap (configured: number, limits: () => string | undefined): number | undefined {
  if (configured > 0) return configured
  const text = limits()
  const max = text === undefined ? undefined : openFileLimit(text)
  return max === undefined ? undefined : Math.max(64, max - FILE_RESERVE)
}

export interface DropReporterDeps {
  cap: number
  /** where the line goes */
  warn: (entry: Record<string, unknown>, msg: string) => void
  now: () => number
  /** runs `fn` in `ms` (the plugin: an unref'd timer); returns its cancel */
  later: (fn: () => void, ms: number) => () => void
  /** least time between two lines (ms): a flood of refused connections is one line per interval, with the count */
  intervalMs: number
}

/**
 * The log of connections refused at the cap: the first at once, then at most one line per
 * interval, counting those refused since the previous line (a flood is not a line per connection).
 */
export function createDropReporter ({ cap, warn, now, later, intervalMs }: DropReporterDeps) {
  let last = -Infinity
  let unreported = 0
  let cancel: (() => void) | undefined
  const report = () => {
    cancel = undefined
    last = now()
    warn({ max_connections: cap, dropped: unreported },
      `connection refused: ${cap} client connections are open (MAX_CONNECTIONS); ${unreported} refused since the last such line`)
    unreported = 0
  }
  return {
    dropped (): void {
      unreported++
      if (cancel !== undefined) return
      const wait = last + intervalMs - now()
      if (wait <= 0) report()
      else cancel = later(report, wait)
    },
    /** at close: the count not reported yet, in a last line */
    close (): void {
      cancel?.()
      if (unreported > 0) report()
    }
  }
}

/** The requests of each connection whose responses are not finished yet. */
const exchanges = new WeakMap<Socket, Set<{ req: IncomingMessage, res: ServerResponse }>>()

/** Keep track of the requests of each connection of `server` until their responses are finished (afterReceived). */
export function trackExchanges (server: Server): void {
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const open = exchanges.get(req.socket) ?? new Set()
    exchanges.set(req.socket, open)
    const exchange = { req, res }
    open.add(exchange)
    res.once('close', () => open.delete(exchange))
  })
}

/**
 * Runs `then` once every request received in full on `socket` so far has its response finished
 * (or its connection gone); at once when there is none. A malformed request pipelined behind
 * valid ones is answered after them, in order: it must not cut their answers short. (A request not
 * received in full is the malformed one itself, or comes after it: nothing is waited for it.)
 */
export function afterReceived (socket: Socket, then: () => void): void {
  const pending = [...exchanges.get(socket) ?? []].filter(({ req, res }) => req.complete && !res.writableFinished && !res.destroyed)
  if (pending.length === 0) {
    then()
    return
  }
  let left = pending.length
  for (const { res } of pending) {
    res.once('close', () => {
      if (--left === 0) then()
    })
  }
}
