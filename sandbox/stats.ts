import { createHash } from 'node:crypto'
import { Type, type Static } from '@sinclair/typebox'
import { FAULT_MODES, type FaultMode } from './faults.js'
import type { Admission } from './rate-limit.js'

const Count = Type.Integer({ minimum: 0 })

/** Body of GET /__sandbox/stats. */
export const StatsSchema = Type.Object({
  requests: Type.Object({
    total: Type.Integer({ minimum: 0, description: 'Every /v1 request received, including those answered 403, 429 or with a fault' }),
    by_route: Type.Record(Type.String(), Count, { description: 'Keyed by "METHOD /route/:pattern"; unknown paths count under "METHOD (not found)"' })
  }),
  tokens_issued: Count,
  rate_limited: Type.Integer({ minimum: 0, description: 'Requests answered 429 by the rate limiter (injected 429s count under faults_injected)' }),
  rate_limited_by: Type.Object({ ip: Count, account: Count }),
  max_in_window_ip: Type.Integer({ minimum: 0, description: 'Most requests admitted within one sliding window for one IP' }),
  max_in_window_account: Type.Integer({ minimum: 0, description: 'Most requests admitted within one sliding window for one account' }),
  auth_failures: Type.Integer({ minimum: 0, description: 'Requests answered 403: missing/unknown/expired/revoked token, bad client credentials' }),
  writes: Type.Integer({ minimum: 0, description: 'Writes applied: PUT listing, PUT reservation, PUT calendar, PUT calendarIntervals, POST message (an *_after_write fault still counts: the write was applied)' }),
  writes_by_kind: Type.Object({
    listing: Count, reservation: Count, calendar: Count, calendar_intervals: Count, message: Count
  }, { description: 'The writes, by kind: one per request applied' }),
  calendar_days_written: Type.Integer({ minimum: 0, description: 'Days set by calendar writes (a day set by two intervals counts twice)' }),
  messages_duplicated: Type.Integer({ minimum: 0, description: 'Messages sent with the body of an earlier message sent to the same conversation since the last reset: what the gateway must never cause' }),
  faults_injected: Type.Object(Object.fromEntries([...FAULT_MODES, 'latency'].map((m) => [m, Count])) as Record<FaultCounter, typeof Count>)
})
export type SandboxStats = Static<typeof StatsSchema>

type FaultCounter = FaultMode | 'latency'
export type WriteKind = keyof SandboxStats['writes_by_kind']

const zeroWrites = (): Record<WriteKind, number> => ({ listing: 0, reservation: 0, calendar: 0, calendar_intervals: 0, message: 0 })
const zeroFaults = () => Object.fromEntries([...FAULT_MODES, 'latency'].map((m) => [m, 0])) as Record<FaultCounter, number>

/** Counters behind GET /__sandbox/stats. */
export class StatsCollector {
  #total = 0
  #byRoute = new Map<string, number>()
  #tokensIssued = 0
  #rateLimited = { ip: 0, account: 0 }
  #maxIp = 0
  #maxAccount = 0
  #authFailures = 0
  #writes = zeroWrites()
  #calendarDays = 0
  #sentBodies = new Set<string>()
  #duplicated = 0
  #faults = zeroFaults()

  request (route: string): void {
    this.#total++
    this.#byRoute.set(route, (this.#byRoute.get(route) ?? 0) + 1)
  }

  admission (a: Admission): void {
    if (a.ok) {
      this.#maxIp = Math.max(this.#maxIp, a.ipCount)
      this.#maxAccount = Math.max(this.#maxAccount, a.accountCount)
    } else {
      this.#rateLimited[a.limitedBy]++
    }
  }

  tokenIssued (): void { this.#tokensIssued++ }
  authFailure (): void { this.#authFailures++ }
  write (kind: WriteKind): void { this.#writes[kind]++ }
  calendarDays (n: number): void { this.#calendarDays += n }
  /** A message sent to a conversation: counts a duplicate when that conversation already got this body. */
  messageSent (conversationId: number, body: string): void {
    const key = `${conversationId}:${createHash('sha256').update(body).digest('hex')}`
    if (this.#sentBodies.has(key)) this.#duplicated++
    this.#sentBodies.add(key)
  }

  fault (mode: FaultCounter): void { this.#faults[mode]++ }

  snapshot (): SandboxStats {
    return {
      requests: { total: this.#total, by_route: Object.fromEntries(this.#byRoute) },
      tokens_issued: this.#tokensIssued,
      rate_limited: this.#rateLimited.ip + this.#rateLimited.account,
      rate_limited_by: { ...this.#rateLimited },
      max_in_window_ip: this.#maxIp,
      max_in_window_account: this.#maxAccount,
      auth_failures: this.#authFailures,
      writes: Object.values(this.#writes).reduce((a, b) => a + b, 0),
      writes_by_kind: { ...this.#writes },
      calendar_days_written: this.#calendarDays,
      messages_duplicated: this.#duplicated,
      faults_injected: { ...this.#faults }
    }
  }

  reset (): void {
    this.#total = 0
    this.#byRoute.clear()
    this.#tokensIssued = 0
    this.#rateLimited = { ip: 0, account: 0 }
    this.#maxIp = 0
    this.#maxAccount = 0
    this.#authFailures = 0
    this.#writes = zeroWrites()
    this.#calendarDays = 0
    this.#sentBodies.clear()
    this.#duplicated = 0
    this.#faults = zeroFaults()
  }
}
