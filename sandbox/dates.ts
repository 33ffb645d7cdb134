/** Calendar arithmetic on UTC days, so results never depend on the host time zone. */

const DAY_MS = 86_400_000
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/

/** Days since 1970-01-01 for a valid `YYYY-MM-DD`, or undefined for anything else. */
export function parseDay (date: string): number | undefined {
  const m = DATE_RE.exec(date)
  if (m === null) return undefined
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))
  const day = ms / DAY_MS
  return formatDay(day) === date ? day : undefined
}

export function formatDay (day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10)
}

/** `YYYY-MM-DD HH:MM:SS` in UTC, Hostaway's datetime format. */
export function formatDateTime (ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ')
}

export function dayToMs (day: number): number {
  return day * DAY_MS
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday (day: number): number {
  return (day + 4) % 7
}

/** 1 … 12 */
export function month (day: number): number {
  return new Date(day * DAY_MS).getUTCMonth() + 1
}

export function todayDay (): number {
  return Math.floor(Date.now() / DAY_MS)
}
