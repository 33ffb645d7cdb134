/** Calendar days as UTC day numbers (days since 1970-01-01), so nothing depends on the host time zone. */

const DAY_MS = 86_400_000
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/

/** The day number of a real `YYYY-MM-DD` day, or undefined (2027-02-30 is not a day). */
export function dayNumber (date: string): number | undefined {
  const m = DATE_RE.exec(date)
  if (m === null) return undefined
  const day = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY_MS
  return formatDayNumber(day) === date ? day : undefined
}

export function formatDayNumber (day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10)
}

/** The same calendar day `years` later (29 February → 1 March). */
export function addYears (date: string, years: number): string {
  const [y, m, d] = date.split('-').map(Number)
  return new Date(Date.UTC(y + years, m - 1, d)).toISOString().slice(0, 10)
}

/** Days from `start` to `end`, both included. */
export function daysBetween (start: string, end: string): number {
  return (dayNumber(end) ?? 0) - (dayNumber(start) ?? 0) + 1
}
