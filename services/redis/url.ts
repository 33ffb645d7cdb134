/** REDIS_URL helpers that need no Redis client (the logger uses them), and the client options of one. */

/** Where a REDIS_URL points, without userinfo or query: safe to log. */
export function redisTarget (url: string): string {
  try {
    const u = new URL(url)
    return u.protocol === 'unix:' ? decodeURIComponent(u.pathname) : `${u.protocol}//${u.host}`
  } catch {
    return '(invalid REDIS_URL)'
  }
}

/** The password a REDIS_URL carries, to keep it out of every message. */
export function redisPassword (url: string | undefined): string | undefined {
  if (url === undefined) return undefined
  try {
    const password = decodeURIComponent(new URL(url).password)
    return password === '' ? undefined : password
  } catch {
    return undefined
  }
}

/** Longest pause between two reconnection attempts (ms): Redis coming back is noticed within this. */
export const MAX_RECONNECT_DELAY_MS = 1000

/** The node-redis options of a REDIS_URL; `unix:///path` connects to a socket (node-redis parses the others). */
export function clientOptions (url: string, timeoutMs: number) {
  const socket = {
    connectTimeout: timeoutMs,
    // reconnect for ever, quickly: Redis coming back must be noticed within a second
    reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, MAX_RECONNECT_DELAY_MS) + Math.floor(Math.random() * 50)
  }
  // fail fast while disconnected rather than queue commands for later; commands are bounded by
  // the connection's watchdog (node-redis' own timeout only covers commands not written yet, and
  // costs a timer and an AbortSignal per command); RESP3 with client tracking (CLIENT TRACKING ON
  // in the handshake of every connection): Redis pushes the keys this connection read once they change
  const common = { disableOfflineQueue: true, commandOptions: { timeout: 0 }, RESP: 3 as const, emitInvalidate: true }
  if (url.startsWith('unix:')) {
    const parsed = new URL(url)
    return { ...common, socket: { ...socket, path: decodeURIComponent(parsed.pathname) } }
  }
  return { ...common, url, socket }
}
