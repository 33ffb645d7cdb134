/**
 * The cost model of the batch lookup planner, in one place for both lists (listings, reservations):
 * pure, no I/O, no clock. For the wanted ids still unresolved it prices each plan the planner may
 * take next and picks the cheapest in upstream calls, then in wall time at the current budget.
 *
 * A plan reads a set S of list pages, then GETs by id every wanted id they did not hold:
 *
 *     calls(S) = |S| + (U − ĥ(S))
 *
 * U is the number of unresolved wanted ids, ĥ(S) the wanted ids S is expected to hold:
 * - per-id: S = ∅, calls = U;
 * - the rest of the list (every page not read yet, ⌈count / pageSize⌉ from the envelope's count,
 *   less the pages read or known to hold none of the ids): ĥ = U, since an id the caller asks for
 *   is on its list unless it does not exist (or the list leaves it out), and then it costs its GET
 *   whatever the plan;
 * - the pages a page index knows to hold some of the ids (listings): ĥ = those ids;
 * - the next page of a walk from the top of the most-recently-changed order (reservations):
 *   ĥ = what the last page of the walk resolved (recent changes cluster), at most U.
 *
 * Ties in calls go to the faster plan (wallMs), then to per-id (a GET is certain, a page only
 * likely, to hold its id).
 */

/** The upstream budget as the rate limiter sees it now. */
export interface RateBudget {
  /** slots free in the current window */
  free: number
  /** slots per window */
  perWindow: number
  windowMs: number
}

export type PlanKind = 'per_id' | 'scan' | 'known_pages' | 'walk'

/** A candidate: `pages` list pages to read, expected to hold `hits` of the unresolved ids. */
export interface Candidate {
  kind: Exclude<PlanKind, 'per_id'>
  pages: number
  hits: number
  /** pages read one after the other (a cursor walk), not at once */
  sequential?: boolean
}

export interface CostInputs {
  /** wanted ids still unresolved */
  unresolved: number
  candidates: readonly Candidate[]
  /** calls of one plan in flight at once (BATCH_CONCURRENCY) */
  concurrency: number
  /** one upstream round trip (ms), an estimate */
  latencyMs: number
  /** undefined: unknown, the rate budget is not counted */
  budget?: RateBudget
}

export interface PlanCost {
  kind: PlanKind
  /** list pages to read */
  pages: number
  /** upstream calls: the pages, then one GET per unresolved id they are not expected to hold */
  calls: number
  /** estimated wall time (ms) at the current budget */
  wallMs: number
}

/** A fallback round trip when nothing better is known (Hostaway answers list pages in about this). */
export const DEFAULT_LATENCY_MS = 300

/**
 * Time to make `calls` upstream calls in `rounds` round trips at `budget`: the calls past the free
 * slots wait for later windows (`perWindow` each), and no faster than one round trip per round.
 */
export function wallMs (calls: number, rounds: number, latencyMs: number, budget?: RateBudget): number {
  const trips = rounds * latencyMs
  if (budget === undefined || calls <= budget.free) return trips
  const windows = Math.ceil((calls - Math.max(0, budget.free)) / Math.max(1, budget.perWindow))
  return Math.max(trips, windows * budget.windowMs + latencyMs)
}

/** Every plan, priced: per-id first, then the candidates in the given order. */
export function price ({ unresolved, candidates, concurrency, latencyMs, budget }: CostInputs): PlanCost[] {
  const c = Math.max(1, concurrency)
  const perId: PlanCost = { kind: 'per_id', pages: 0, calls: unresolved, wallMs: wallMs(unresolved, Math.ceil(unresolved / c), latencyMs, budget) }
  return [perId, ...candidates.map((cand): PlanCost => {
    const gets = unresolved - Math.min(unresolved, Math.max(0, cand.hits))
    const pageRounds = cand.sequential === true ? cand.pages : Math.ceil(cand.pages / c)
    return { kind: cand.kind, pages: cand.pages, calls: cand.pages + gets, wallMs: wallMs(cand.pages + gets, pageRounds + Math.ceil(gets / c), latencyMs, budget) }
  })]
}

/** The cheapest plan: fewest calls, then least wall time, then the first priced (per-id before any page). */
export function choosePlan (inputs: CostInputs): PlanCost {
  return price(inputs).reduce((best, p) => (p.calls < best.calls || (p.calls === best.calls && p.wallMs < best.wallMs) ? p : best))
}
