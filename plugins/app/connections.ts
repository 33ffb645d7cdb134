import { readFileSync } from 'node:fs'
import fp from 'fastify-plugin'
import { connectionCap, createDropReporter, trackExchanges } from '../../services/connections.js'

/** Least time between two log lines about refused connections (ms). */
const DROP_LOG_INTERVAL_MS = 10_000

function procLimits (): string | undefined {
  try {
    return readFileSync('/proc/self/limits', 'utf8')
  } catch {
    return undefined
  }
}

/**
 * The client connections (services/connections.ts): at most MAX_CONNECTIONS open at once (beyond,
 * a new connection is closed at once, and a warning says so), and the requests of each connection
 * followed, so that a malformed request answers after those before it (app.ts, clientErrorHandler).
 * The timeouts of idle connections are set where the server is made (app.ts, serverOptions).
 */
export default fp(async (fastify) => {
  const { server, config, log } = fastify
  trackExchanges(server)
  const cap = connectionCap(config.MAX_CONNECTIONS, procLimits)
  if (cap === undefined) {
    log.info('MAX_CONNECTIONS=0 and the open-file limit is unknown: client connections are not capped')
    return
  }
  server.maxConnections = cap
  const reporter = createDropReporter({
    cap,
    warn: (entry, msg) => log.warn(entry, msg),
    now: () => performance.now(),
    later: (fn, ms) => {
      const timer = setTimeout(fn, ms).unref()
      return () => clearTimeout(timer)
    },
    intervalMs: DROP_LOG_INTERVAL_MS
  })
  server.on('drop', () => reporter.dropped())
  fastify.addHook('onClose', async () => reporter.close())
}, { name: 'connections', dependencies: ['config'] })
