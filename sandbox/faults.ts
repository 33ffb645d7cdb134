import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { badRequest } from './errors.js'
import { deriveSeed, mulberry32, type Rng } from './prng.js'

/**
 * How an injected fault answers: an HTTP status, or hang / reset / HTTP 200 with a fail body — all
 * before the request is handled — or, for a write, `*_after_write`: the write is applied (stored,
 * counted) and then the answer is lost: the connection hangs, is reset, or a 500 comes back. That is
 * the send a client cannot tell from one that never arrived. On a read they act as hang / reset / 500.
 */
export const FAULT_MODES = ['500', '502', '503', '429', '404', 'hang', 'reset', 'fail_200', 'hang_after_write', 'reset_after_write', '500_after_write'] as const
export type FaultMode = typeof FAULT_MODES[number]
export type AfterWriteMode = Extract<FaultMode, `${string}_after_write`>
export const isAfterWrite = (mode: FaultMode): mode is AfterWriteMode => mode.endsWith('_after_write')

const Rate = Type.Number({ minimum: 0, maximum: 1 })
const IdList = Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 100000 })
/** A list per fault mode: which ids (or routes) answer with that fault. */
const byMode = <T extends TSchema>(list: T) =>
  Type.Partial(Type.Object(Object.fromEntries(FAULT_MODES.map((m) => [m, list])) as Record<FaultMode, T>), { additionalProperties: false })
const IdsByMode = byMode(IdList)
const Ms = Type.Integer({ minimum: 0, maximum: 600000 })
/** Routes as the stats name them: "GET /v1/listings", "GET /v1/reservations/:id". */
const RouteList = Type.Array(Type.String({ pattern: '^(GET|PUT|POST|DELETE) /v1/' }), { maxItems: 100 })
const RoutesByMode = byMode(RouteList)

/**
 * Fault config: the body of POST /__sandbox/faults, `faults` of the options and SANDBOX_FAULTS.
 * Rates are per data request; the rates together must not exceed 1.
 */
export const FaultsSchema = Type.Object({
  latency_ms: Type.Optional(Type.Object({ min: Ms, max: Ms }, { additionalProperties: false })),
  status_rates: Type.Optional(Type.Partial(Type.Object({ 500: Rate, 502: Rate, 503: Rate, 429: Rate }), { additionalProperties: false })),
  hang_rate: Type.Optional(Rate),
  reset_rate: Type.Optional(Rate),
  fail_200_rate: Type.Optional(Rate),
  fail_ids: Type.Optional(IdsByMode),
  fail_ids_once: Type.Optional(IdsByMode),
  fail_routes: Type.Optional(RoutesByMode),
  fail_routes_once: Type.Optional(RoutesByMode),
  omit_from_lists: Type.Optional(IdList)
}, { additionalProperties: false })
export type Faults = Static<typeof FaultsSchema>

/** Validate a fault config; throws a 400 SandboxError naming the first problem. Returns a copy. */
export function checkFaults (input: unknown): Faults {
  if (!Value.Check(FaultsSchema, input)) {
    const [first] = Value.Errors(FaultsSchema, input)
    throw badRequest(`faults${first?.path ?? ''} ${first?.message ?? 'is invalid'}`)
  }
  const faults = structuredClone(input)
  if (faults.latency_ms !== undefined && faults.latency_ms.min > faults.latency_ms.max) {
    throw badRequest('faults/latency_ms min must not exceed max')
  }
  if (rateTable(faults).reduce((sum, [, p]) => sum + p, 0) > 1 + 1e-9) {
    throw badRequest('faults: the rates together must not exceed 1')
  }
  return faults
}

/** The random modes in the fixed order a single draw is compared against. */
function rateTable (f: Faults): Array<readonly [FaultMode, number]> {
  const s = f.status_rates ?? {}
  return [
    ['hang', f.hang_rate ?? 0],
    ['reset', f.reset_rate ?? 0],
    ['500', s[500] ?? 0],
    ['502', s[502] ?? 0],
    ['503', s[503] ?? 0],
    ['429', s[429] ?? 0],
    ['fail_200', f.fail_200_rate ?? 0]
  ]
}

/**
 * Decides, request by request, which fault (if any) to inject. Draws come from a PRNG seeded from the
 * sandbox seed and restarted each time the faults are set, so a run is reproducible given the same
 * request sequence.
 */
export class FaultEngine {
  readonly #seed: number
  #faults: Faults = {}
  #rates: Array<readonly [FaultMode, number]> = []
  #consumed = new Set<string>()
  #rng: Rng

  constructor (seed: number, faults: unknown = {}) {
    this.#seed = deriveSeed(seed, 'faults')
    this.#rng = mulberry32(this.#seed)
    this.set(faults)
  }

  /** Replace the config (validated), forget which `fail_ids_once` entries fired, restart the draws. */
  set (input: unknown): Faults {
    const faults = checkFaults(input)
    this.#faults = faults
    this.#rates = rateTable(faults).filter(([, p]) => p > 0)
    this.#consumed.clear()
    this.#rng = mulberry32(this.#seed)
    return structuredClone(faults)
  }

  get current (): Faults {
    return structuredClone(this.#faults)
  }

  /** Delay to add to this request (0 when no latency is configured). */
  latencyMs (): number {
    const l = this.#faults.latency_ms
    if (l === undefined || l.max === 0) return 0
    return l.min + Math.floor(this.#rng() * (l.max - l.min + 1))
  }

  /** Ids that list routes leave out (they still answer by id). */
  omitted (): ReadonlySet<number> {
    return new Set(this.#faults.omit_from_lists ?? [])
  }

  /**
   * The fault for this request: `fail_ids_once`, then `fail_ids` (for an id route), then
   * `fail_routes_once`, `fail_routes` (for the route, e.g. "GET /v1/listings"), then the random rates.
   */
  pick (id: number | undefined, route?: string): FaultMode | undefined {
    if (id !== undefined) {
      const fixed = this.#fixed(this.#faults.fail_ids_once, this.#faults.fail_ids, id)
      if (fixed !== undefined) return fixed
    }
    if (route !== undefined) {
      const fixed = this.#fixed(this.#faults.fail_routes_once, this.#faults.fail_routes, route)
      if (fixed !== undefined) return fixed
    }
    if (this.#rates.length === 0) return undefined
    let r = this.#rng()
    for (const [mode, p] of this.#rates) {
      r -= p
      if (r < 0) return mode
    }
    return undefined
  }

  /** The first mode whose "once" list names `what` (and has not fired yet for it), else whose "always" list does. */
  #fixed<K extends number | string> (once: Partial<Record<FaultMode, K[]>> | undefined, always: Partial<Record<FaultMode, K[]>> | undefined, what: K): FaultMode | undefined {
    for (const mode of FAULT_MODES) {
      if (once?.[mode]?.includes(what) === true && !this.#consumed.has(`${mode}:${what}`)) {
        this.#consumed.add(`${mode}:${what}`)
        return mode
      }
    }
    for (const mode of FAULT_MODES) {
      if (always?.[mode]?.includes(what) === true) return mode
    }
    return undefined
  }
}
