import { createClient, ErrorReply } from '@redis/client'
import type { FastifyBaseLogger } from 'fastify'
import { RedisUnavailableError, type RedisConnection } from './connection-api.js'
import { scrub } from '../redact.js'
import { MAX_RECONNECT_DELAY_MS, clientOptions, redisPassword, redisTarget } from './url.js'
import type { Telemetry } from '../telemetry.js'

export { compareAndDelete, luaScript, RedisUnavailableError, type LuaScript, type RedisConnection } from './connection-api.js'

export interface RedisConnectionOptions {
  /** REDIS_URL: redis://, rediss:// (TLS) or unix:///path/to/redis.sock */
  url: string
  /** REDIS_TIMEOUT_MS: connect and command timeout */
  timeoutMs: number
  log: Pick<FastifyBaseLogger, 'info' | 'warn' | 'debug'>
  /** reports each command that failed (and each connection lost) by kind */
  telemetry: Pick<Telemetry, 'redisError'>
}

export function createRedisConnection ({ url, timeoutMs, log, telemetry }: RedisConnectionOptions): RedisConnection {
  const client = createClient(clientOptions(url, timeoutMs))
  const target = redisTarget(url)
  const secrets = [redisPassword(url)]
  const recovered: Array<() => void> = []
  /** ready: connected and answering; down: disconnected; stalled: connected but a command timed out */
  let state: 'connecting' | 'ready' | 'down' | 'stalled' = 'connecting'
  let lastError = 'not connected yet'
  /** the last connection error itself, for the log (the logger's serializer scrubs secrets) */
  let lastCause: Error | undefined
  let probing = false
  let closed = false

  function unavailable (reason: string): RedisUnavailableError {
    return new RedisUnavailableError(`the shared state (Redis at ${target}) is unavailable: ${scrub(reason, secrets)}`)
  }

  function becomeReady (): void {
    const wasLost = state === 'down' || state === 'stalled'
    state = 'ready'
    log.info({ redis: target }, wasLost ? 'redis available again' : 'redis connected')
    if (wasLost) for (const fn of recovered) fn()
  }

  const invalidations: Array<(key: string | null) => void> = []
  const invalidated = (key: string | null) => { for (const fn of invalidations) fn(key) }
  client.on('invalidate', (key: unknown) => { invalidated(key === null ? null : String(key)) })
  client.on('ready', () => { if (!closed) becomeReady() })
  client.on('error', (err: Error) => {
    invalidated(null)
    lastError = scrub(err.message, secrets)
    lastCause = err
    if (state === 'ready' || state === 'stalled') {
      log.warn({ redis: target, err }, 'redis connection lost')
      telemetry.redisError('connection')
    } else log.debug({ redis: target, err }, 'redis connection attempt failed')
    state = 'down'
  })

  /** commands waiting for an answer, oldest first (one connection answers in order) */
  const waiting = new Map<number, { at: number, fail: (err: Error) => void }>()
  let sent = 0
  let watchdog: NodeJS.Timeout | undefined

  /** One timer for all commands: when the oldest has waited `timeoutMs`, every waiting one fails. */
  function watch (): void {
    if (watchdog !== undefined) return
    watchdog = setInterval(() => {
      const oldest = waiting.values().next().value
      if (oldest === undefined) {
        clearInterval(watchdog)
        watchdog = undefined
        return
      }
      if (performance.now() - oldest.at < timeoutMs) return
      const err = unavailable(`no answer within ${timeoutMs} ms`)
      for (const entry of waiting.values()) entry.fail(err)
      waiting.clear()
    }, Math.max(5, Math.floor(timeoutMs / 4)))
    watchdog.unref()
  }

  /** `promise`, or an unavailable error once it waited about `timeoutMs` (the late answer is ignored). */
  function bounded<T> (promise: Promise<T>): Promise<T> {
    const id = ++sent
    return new Promise<T>((resolve, reject) => {
      waiting.set(id, { at: performance.now(), fail: reject })
      watch()
      promise.then((value) => {
        waiting.delete(id)
        resolve(value)
      }, (err: unknown) => {
        waiting.delete(id)
        reject(err)
      })
    })
  }

  /** After a timeout: no command is sent until a PING answers again. */
  function stall (): void {
    if (state !== 'ready') return
    state = 'stalled'
    lastError = `no answer within ${timeoutMs} ms`
    log.warn({ redis: target, timeout_ms: timeoutMs }, 'redis did not answer in time')
    if (probing) return
    probing = true
    const probe = (): void => {
      if (closed || state !== 'stalled') {
        probing = false
        return
      }
      bounded(client.ping()).then(() => {
        probing = false
        if (state === 'stalled' && client.isReady) becomeReady()
      }, () => { setTimeout(probe, Math.min(timeoutMs, MAX_RECONNECT_DELAY_MS)).unref() })
    }
    probe()
  }

  async function send<T> (run: () => Promise<T>): Promise<T> {
    if (state !== 'ready' || !client.isReady) {
      telemetry.redisError('unavailable')
      throw unavailable(lastError)
    }
    try {
      return await bounded(run())
    } catch (err) {
      if (err instanceof RedisUnavailableError) {
        telemetry.redisError('timeout')
        stall()
        throw err
      }
      // an error Redis answered (a bug of ours, e.g. a script error) stays what it is
      telemetry.redisError(err instanceof ErrorReply ? 'reply' : 'unavailable')
      if (err instanceof ErrorReply) throw err
      throw unavailable(err instanceof Error ? err.message : String(err))
    }
  }

  return {
    target,
    command: (args) => send(() => client.sendCommand(args)),
    async script (script, keys, args) {
      const numKeys = String(keys.length)
      return await send(async () => {
        try {
          return await client.sendCommand(['EVALSHA', script.sha, numKeys, ...keys, ...args])
        } catch (err) {
          if (!(err instanceof ErrorReply) || !err.message.startsWith('NOSCRIPT')) throw err
          return await client.sendCommand(['EVAL', script.source, numKeys, ...keys, ...args])
        }
      })
    },
    available: () => state === 'ready' && client.isReady,
    async check () {
      await send(() => client.ping())
    },
    onRecovered (fn) {
      recovered.push(fn)
    },
    onInvalidate (fn) {
      invalidations.push(fn)
    },
    async start () {
      const connecting = client.connect()
      connecting.catch(() => {})
      let timer: NodeJS.Timeout | undefined
      const waited = new Promise<void>((resolve) => { timer = setTimeout(resolve, timeoutMs) })
      await Promise.race([connecting, waited])
      clearTimeout(timer)
      if (state !== 'ready') {
        state = 'down'
        log.warn({ redis: target, err: lastCause }, 'redis unavailable at start: requests that need it answer 503 until it is reachable')
      }
    },
    async close () {
      closed = true
      clearInterval(watchdog)
      if (client.isOpen) client.destroy()
    }
  }
}
