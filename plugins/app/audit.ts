import { hostname } from 'node:os'
import fp from 'fastify-plugin'
import { pino } from 'pino'
import type { AppOptions } from '../../app.js'
import { createAuditTrail, type AuditTrail } from '../../services/audit.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The audit log of writes (AUDIT_LOG): one line per item of every batch listing update. */
    audit: AuditTrail
  }
}

/**
 * The audit log: a pino logger of its own, at `info` whatever LOG_LEVEL says, never sampled,
 * written synchronously (a line is on its way before the response is), to stdout or appended to the
 * file AUDIT_LOG names (checked at start by services/config.ts). Lines carry the time and the host
 * (which instance wrote), no level. A test may give its own stream (`AppOptions.audit`).
 */
export default fp<AppOptions>(async (fastify, opts) => {
  const target = fastify.config.AUDIT_LOG
  const file = opts.audit === undefined && target !== 'stdout'
    ? pino.destination({ dest: target, sync: true, append: true, mkdir: false })
    : undefined
  const stream = opts.audit ?? file ?? pino.destination({ dest: 1, sync: true })
  const logger = pino({
    level: 'info',
    base: { hostname: hostname() },
    // no level: the lines are written whatever LOG_LEVEL says (the time goes first, without pino's leading comma)
    timestamp: () => `"time":"${new Date().toISOString()}"`,
    formatters: { level: () => ({}) }
  }, stream)
  fastify.decorate('audit', createAuditTrail(logger))
  if (file !== undefined) fastify.addHook('onClose', () => { file.end() })
}, { name: 'audit', dependencies: ['config'] })
