import { httpErrors } from '@fastify/sensible'
import { FormatRegistry } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import type { FastifyBaseLogger } from 'fastify'
import { BookingSchema, type Booking } from '../schemas/booking.js'
import type { HostawayWebhook, WebhookAck } from '../schemas/webhook.js'
import { createApiKeyChecker } from './auth.js'
import type { HostawayClient } from './hostaway/client.js'

// Value.Check knows no formats until they are registered; a reservation's days are YYYY-MM-DD
if (!FormatRegistry.Has('date')) FormatRegistry.Set('date', (v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v)))

/**
 * The check of the Basic credentials Hostaway sends with every webhook: `user:password` compared
 * the way API keys are (services/auth.ts: SHA-256 digests with `timingSafeEqual`, so neither
 * content nor length leaks through timing).
 */
export function basicAuthCheck (user: string, password: string): (authorization: string | undefined) => boolean {
  const check = createApiKeyChecker([{ key: `${user}:${password}`, scopes: [] }])
  return (authorization) => {
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '')
    return match !== null && check(Buffer.from(match[1], 'base64').toString('utf8')) !== undefined
  }
}

export interface WebhookReceiverDeps {
  /** the cache the events keep fresh; none of these calls the upstream */
  cache: Pick<HostawayClient, 'cachedReservation' | 'rememberReservation' | 'forgetReservation' | 'forgetMessages'>
  /** the gateway's Hostaway account (HOSTAWAY_ACCOUNT_ID): events of another account are not trusted */
  accountId: string
}

/** The request's logger: each event is logged with its request id. */
type Log = Pick<FastifyBaseLogger, 'info'>

function positiveInt (value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : undefined
}

/** "YYYY-MM-DD HH:MM:SS" sorts as text; missing counts as oldest. */
function newer (a: unknown, b: unknown): boolean {
  return typeof a === 'string' && (typeof b !== 'string' || a > b)
}

export type WebhookReceiver = ReturnType<typeof createWebhookReceiver>

/**
 * What a Hostaway webhook does to the cache (never an upstream call, so it answers at once):
 * - reservation.created / reservation.updated: `data` replaces the cached reservation when it is a
 *   valid reservation of this account and not older than the cached copy; otherwise the cached
 *   copy (or a remembered 404) is dropped, and the next read asks Hostaway;
 * - message.received: the cached messages of that conversation and the reservation's
 *   conversation list are dropped;
 * - anything else (a test delivery, an event added later) is acknowledged and logged.
 * An event that names no id to act on is a 400 (`httpErrors.badRequest`, naming the field).
 */
export function createWebhookReceiver ({ cache, accountId }: WebhookReceiverDeps) {
  async function reservation (event: HostawayWebhook, log: Log): Promise<WebhookAck> {
    const data = typeof event.data === 'object' ? event.data : {}
    const id = positiveInt((data as { id?: unknown }).id)
    if (id === undefined) throw httpErrors.badRequest('body/data/id must be the reservation id (a positive integer)')
    const account = event.accountId ?? (data as { accountId?: unknown }).accountId
    const ours = account !== undefined && String(account) === accountId
    const valid = ours && Value.Check(BookingSchema, data)
    const cached = valid ? await cache.cachedReservation(id) : undefined
    const updatedOn = (b: object | undefined) => (b as { updatedOn?: unknown } | undefined)?.updatedOn
    if (valid && !newer(updatedOn(cached), updatedOn(data))) {
      await cache.rememberReservation(data as Booking)
      log.info({ event: event.event, reservation_id: id, action: 'cached' }, 'hostaway webhook')
      return { received: true, action: 'cached' }
    }
    await cache.forgetReservation(id)
    const why = !ours ? 'another or no account' : valid ? 'older than the cached copy' : 'not a valid reservation'
    log.info({ event: event.event, reservation_id: id, action: 'evicted', why }, 'hostaway webhook')
    return { received: true, action: 'evicted' }
  }

  async function message (event: HostawayWebhook, log: Log): Promise<WebhookAck> {
    const data = (typeof event.data === 'object' ? event.data : {}) as { conversationId?: unknown, reservationId?: unknown }
    const conversationId = positiveInt(data.conversationId)
    const reservationId = positiveInt(data.reservationId)
    if (conversationId === undefined && reservationId === undefined) {
      throw httpErrors.badRequest('body/data must name the conversationId or the reservationId (a positive integer)')
    }
    await cache.forgetMessages({ conversationId, reservationId })
    log.info({ event: event.event, conversation_id: conversationId, reservation_id: reservationId, action: 'evicted' }, 'hostaway webhook')
    return { received: true, action: 'evicted' }
  }

  return {
    async receive (event: HostawayWebhook, log: Log): Promise<WebhookAck> {
      if (event.event === 'reservation.created' || event.event === 'reservation.updated') return await reservation(event, log)
      if (event.event === 'message.received' || event.object === 'conversationMessage') return await message(event, log)
      log.info({ event: event.event, object: event.object, action: 'ignored' }, 'hostaway webhook')
      return { received: true, action: 'ignored' }
    }
  }
}
