import { stdSerializers, type LoggerOptions } from 'pino'
import type { Config } from '../schemas/config.js'
import { apiKeys } from './config.js'
import { REDACT_PATHS, scrub } from './redact.js'
import { redisPassword } from './redis/url.js'

/** The secrets of a config that must never appear in a log line, even inside a message. */
export function secretsOf (config: Config): string[] {
  return [config.HOSTAWAY_API_KEY, config.SANDBOX_API_KEY, config.HOSTAWAY_WEBHOOK_PASSWORD, redisPassword(config.REDIS_URL), ...apiKeys(config)].filter((s): s is string => typeof s === 'string')
}

/**
 * pino options shared by the server and the tests: structured JSON, redaction of headers and
 * secret-named keys, and error serialization that scrubs tokens and secrets out of messages and stacks.
 * Pretty output only when stdout is a TTY.
 */
export function loggerOptions (config: Config, opts: { pretty?: boolean } = {}): LoggerOptions {
  const secrets = secretsOf(config)
  const pretty = opts.pretty ?? process.stdout.isTTY === true
  return {
    level: config.LOG_LEVEL,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      err (err: Error) {
        const out = stdSerializers.err(err)
        out.message = scrub(out.message, secrets)
        if (typeof out.stack === 'string') out.stack = scrub(out.stack, secrets)
        return out
      }
    },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } } : {})
  }
}
