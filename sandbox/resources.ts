import { createHash } from 'node:crypto'
import { float, int, pick, type Rng } from './prng.js'
import type { ReservationRecord } from './types.js'

/**
 * What a reservation carries beyond its own columns, and which of it GET /v1/reservations leaves out.
 *
 * - Resources (introduction.md "Changing behavior of returning attached objects"): without
 *   `includeResources=1` the list answers them empty — `customFieldValues: []`, `reservationFees: []`,
 *   `reservationUnit: []`, `hostProxyEmail: null`.
 * - Cancellation policy (reservation_reservationObject.md): `cancellationPolicyDetails`,
 *   `bookingCancellationPolicy`, `vrboCancellationPolicy` and `marriottCancellationPolicy` are left
 *   out of list objects unless `includeCancellationPolicy=1`.
 * GET /v1/reservations/:id and PUT always answer the full object.
 */
export const RESOURCE_FIELDS = ['customFieldValues', 'reservationFees', 'reservationUnit', 'hostProxyEmail'] as const
export const CANCELLATION_POLICY_FIELDS = ['cancellationPolicyDetails', 'bookingCancellationPolicy', 'vrboCancellationPolicy', 'marriottCancellationPolicy'] as const

const emptyResources = () => ({ customFieldValues: [], reservationFees: [], reservationUnit: [], hostProxyEmail: null })

/** A reservation as the list endpoint shows it. A copy: the record is never changed. */
export function listView (r: ReservationRecord, include: { resources: boolean, cancellationPolicy: boolean }): ReservationRecord {
  const out: ReservationRecord = include.resources ? { ...r } : { ...r, ...emptyResources() }
  if (!include.cancellationPolicy) for (const field of CANCELLATION_POLICY_FIELDS) delete out[field]
  return out
}

/**
 * Every reservation has one conversation except owner stays: no guest to write to (seed 42 with 40
 * listings: reservations 2, 48, 103 and 129). Nor, then, a proxy address.
 */
export function hasConversation (r: ReservationRecord): boolean {
  return r.status !== 'ownerStay'
}

/** The proxy address of a reservation's host: the `hostEmail` of its conversation. */
export function hostProxyEmail (accountId: string, conversationId: number): string {
  return `c-${createHash('md5').update(`${accountId}:${conversationId}`).digest('hex').slice(0, 32)}@host.hostaway.info`
}

// Refund rules per listing policy: [refund %, seconds before arrival].
const POLICIES: Record<string, { id: number, name: string, booking: string, vrbo: string, items: Array<[number, number]> }> = {
  flexible: { id: 1, name: 'Flexible', booking: '1', vrbo: 'RELAXED', items: [[100, 86_400]] },
  moderate: { id: 2, name: 'Moderate', booking: '13', vrbo: 'MODERATE', items: [[100, 432_000], [50, 86_400]] },
  strict: { id: 3, name: 'Strict', booking: '3', vrbo: 'STRICT', items: [[100, 1_209_600], [50, 604_800]] }
}

const CUSTOM_FIELDS: ReadonlyArray<{ id: number, values: readonly string[] }> = [
  { id: 167, values: ['14:00', '16:00', '18:00', '21:00', 'after 22:00'] },
  { id: 243, values: ['Leisure', 'Business', 'Family visit', 'Event'] }
]

/**
 * Seed the resources and cancellation-policy fields of generated reservations, from a stream of their
 * own (so the rest of the data does not change with them).
 */
export function seedResources (rng: Rng, reservations: ReservationRecord[], accountId: string, conversationIdOffset: number): void {
  for (const r of reservations) {
    const policy = POLICIES[String(r.cancellationPolicy)] ?? POLICIES.moderate
    const cleaningFee = Number(r.cleaningFee ?? 0)
    const fees = cleaningFee > 0 ? [fee(r.id * 10 + 1, 'cleaningFee', 'Cleaning fee', cleaningFee)] : []
    if (rng() < 0.3) fees.push(fee(r.id * 10 + 2, 'petFee', 'Pet fee', float(rng, 10, 40, 0)))
    const booking = r.channelName === 'bookingcom' ? policy.booking : null
    const vrbo = r.channelName === 'homeaway' ? policy.vrbo : null
    Object.assign(r, {
      customFieldValues: CUSTOM_FIELDS.filter(() => rng() < 0.6).map((f) => ({ customFieldId: f.id, value: pick(rng, f.values) })),
      reservationFees: fees,
      reservationUnit: [],
      hostProxyEmail: hasConversation(r) ? hostProxyEmail(accountId, conversationIdOffset + r.id) : null,
      cancellationPolicyId: policy.id,
      airbnbCancellationPolicy: r.channelName === 'airbnbOfficial' ? r.cancellationPolicy : null,
      bookingCancellationPolicy: booking,
      vrboCancellationPolicy: vrbo,
      marriottCancellationPolicy: null,
      // No snapshot for about one in ten (Hostaway: legacy bookings, policies not synced at booking).
      cancellationPolicyDetails: int(rng, 1, 10) === 1
        ? null
        : {
            name: policy.name,
            channelId: r.channelId,
            channelSpecificCode: booking ?? vrbo ?? r.cancellationPolicy,
            longTerm: r.nights >= 28,
            cancellationPolicyItem: policy.items.map(([refundAmount, seconds]) => ({
              refundAmount, refundType: 'percentage', refundField: 'totalPrice', timeDelta: -seconds, event: 'arrival'
            }))
          }
    })
  }
}

function fee (id: number, name: string, title: string, value: number) {
  return { id, type: 'fee', name, title, value, total: value, isIncludedInTotalPrice: name === 'cleaningFee' ? 1 : 0, isMandatory: name === 'cleaningFee' ? 1 : 0 }
}
