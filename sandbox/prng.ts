/** A seeded pseudo-random generator returning floats in [0, 1). */
export type Rng = () => number

/** mulberry32: tiny, fast and good enough for test data; the same seed gives the same sequence. */
export function mulberry32 (seed: number): Rng {
  let a = seed >>> 0
  return function next () {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Derive an independent stream from a seed and a label, so data and faults do not share draws. */
export function deriveSeed (seed: number, label: string): number {
  let h = (seed ^ 0x9E3779B9) >>> 0
  for (let i = 0; i < label.length; i++) {
    h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0
  }
  return h
}

/** Integer in [min, max] (both inclusive). */
export function int (rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1))
}

export function pick<T> (rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)]
}

/** Pick by weight: `[[value, weight], …]`. */
export function weighted<T> (rng: Rng, items: ReadonlyArray<readonly [T, number]>): T {
  const total = items.reduce((sum, [, w]) => sum + w, 0)
  let r = rng() * total
  for (const [value, w] of items) {
    r -= w
    if (r < 0) return value
  }
  return items[items.length - 1][0]
}

/** Float in [min, max) rounded to `decimals`. */
export function float (rng: Rng, min: number, max: number, decimals = 2): number {
  const f = 10 ** decimals
  return Math.round((min + rng() * (max - min)) * f) / f
}
