import { performance } from 'node:perf_hooks'

export type Admission =
  | { ok: true, ipCount: number, accountCount: number }
  | { ok: false, limitedBy: 'ip' | 'account' }

/**
 * Hostaway's documented limits as sliding logs: a request is admitted when fewer than `limit`
 * requests were admitted for its IP (and its account, when known) in the last `windowMs`.
 * Only admitted requests are logged, so a client hammering while limited regains capacity
 * as soon as its old requests age out of the window.
 */
export class SlidingWindowLimiter {
  readonly #logs = new Map<string, number[]>()

  constructor (
    readonly limitIp: number,
    readonly limitAccount: number,
    readonly windowMs: number,
    private readonly now: () => number = () => performance.now()
  ) {}

  tryAdmit (ip: string, account: string | undefined): Admission {
    const t = this.now()
    const ipLog = this.#log(`ip:${ip}`, t)
    const accountLog = account === undefined ? undefined : this.#log(`account:${account}`, t)
    if (ipLog.length >= this.limitIp) return { ok: false, limitedBy: 'ip' }
    if (accountLog !== undefined && accountLog.length >= this.limitAccount) return { ok: false, limitedBy: 'account' }
    ipLog.push(t)
    accountLog?.push(t)
    return { ok: true, ipCount: ipLog.length, accountCount: accountLog?.length ?? 0 }
  }

  reset (): void {
    this.#logs.clear()
  }

  /** The log of `key` with entries older than the window dropped. */
  #log (key: string, t: number): number[] {
    let log = this.#logs.get(key)
    if (log === undefined) {
      log = []
      this.#logs.set(key, log)
    }
    let stale = 0
    while (stale < log.length && log[stale] <= t - this.windowMs) stale++
    if (stale > 0) log.splice(0, stale)
    return log
  }
}
