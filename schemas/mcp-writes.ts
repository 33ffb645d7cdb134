import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox'
import { BatchListingUpdateBodySchema, IdempotencyHeadersSchema } from './batch.js'
import { LISTING_UPDATE_BOUNDS } from './listing.js'
import { args, FieldsArg, TimeoutArg } from './mcp.js'
import { BOOKING_UPDATE_BOUNDS } from './booking.js'
import {
  AvailableListingsQuerySchema, BatchBookingUpdateBodySchema, BatchCalendarUpdateBodySchema, BatchMessagesBodySchema,
  CALENDAR_MAX_YEARS_AHEAD, CALENDAR_UPDATE_BOUNDS, MESSAGE_BODY_MAX
} from './writes.js'

/**
 * The arguments and results of the MCP write tools (batch_update_listings, batch_update_calendar,
 * batch_send_messages, batch_update_bookings) and of search_available_listings, built from the REST
 * bodies (schemas/batch.ts, schemas/writes.ts) like the read tools' (schemas/mcp.ts).
 *
 * `tools/list` is read by an agent on every session, so these are the REST schemas said once and
 * short: an update item's fields are typed, and their bounds and per-item rules are one sentence of
 * the item's description, generated from the same bounds tables the rules check
 * (services/writes/*-rules.ts). Their results: schemas/mcp-results.ts.
 */

type Bounds = Readonly<Record<string, { min: number, max: number, unit?: string }>>

/**
 * "guestCity, guestCountry 0..255 chars; adults 1..100": a bounds table, fields with the same rule
 * named together; a unit says only what the field's name and type do not (characters of a text,
 * "not blank", "not above maxNights"), not "guests" of personCapacity.
 */
export function boundsText (bounds: Bounds): string {
  const groups = new Map<string, string[]>()
  for (const [field, { min, max, unit = '' }] of Object.entries(bounds)) {
    const rest = unit.startsWith('characters') ? ` ${unit.replace(/^characters/, 'chars')}` : unit.includes(', ') ? unit.slice(unit.indexOf(',')) : ''
    const rule = `${min}..${max}${rest}`
    groups.set(rule, [...(groups.get(rule) ?? []), field])
  }
  return [...groups].map(([rule, fields]) => `${fields.join(', ')} ${rule}`).join('; ')
}

const RULE_BROKEN = 'An item that breaks a rule fails alone (validation_error).'

/**
 * An update item of a REST body for a tool listing: the same fields, types, formats and required
 * ones, without their descriptions and examples; `description` says the bounds and rules once.
 */
function compactItem<T extends TObject> (item: T, description: string) {
  const properties = Object.fromEntries(Object.entries(item.properties).map(([name, schema]) => {
    const { description: _text, example: _example, examples: _examples, ...typed } = schema as TSchema
    return [name, typed]
  }))
  const { required, minProperties } = item as { required?: string[], minProperties?: number }
  return Type.Unsafe<Static<T>>({
    type: 'object',
    properties,
    ...(required === undefined ? {} : { required }),
    ...(minProperties === undefined ? {} : { minProperties }),
    additionalProperties: false,
    description
  })
}

/** An array of a REST body (`updates`, `messages`) with its item made compact; what it says of itself is in the tool's description. */
function compactUpdates<T extends TSchema> (updates: T, description: string) {
  const { items, description: _text, ...array } = updates as unknown as { items: TObject, description?: string }
  return Type.Unsafe<Static<T>>({ ...array, items: compactItem(items, description) })
}

/** `dry_run` of a write tool: the plan, nothing sent. */
const DryRunArg = Type.Optional(Type.Boolean({ default: false, description: 'true: plan only, send nothing' }))

/** `idempotency_key`: the Idempotency-Key header's rule, as an argument. */
function IdempotencyArg (idempotencyTtlMs: number, required: boolean) {
  const { minLength, maxLength, pattern } = IdempotencyHeadersSchema.properties['idempotency-key']
  const kept = idempotencyTtlMs % 3_600_000 === 0 ? `${idempotencyTtlMs / 3_600_000} h` : `${Math.ceil(idempotencyTtlMs / 1000)} s`
  const key = Type.String({
    minLength,
    maxLength,
    pattern,
    description: `Replays the result for ${kept}; other arguments: refused`
  })
  return required ? key : Type.Optional(key)
}

/** batch_update_listings: the PATCH /api/listings/batch body, the Idempotency-Key header as an argument, and `fields` of the updated listings. */
export function BatchUpdateArgsSchema (maxItems: number, defaultTimeoutMs: number, idempotencyTtlMs: number) {
  return args({
    updates: compactUpdates(BatchListingUpdateBodySchema(maxItems).properties.updates,
      `listing_id and at least one field: ${boundsText(LISTING_UPDATE_BOUNDS)}. ${RULE_BROKEN}`),
    timeout_ms: TimeoutArg(defaultTimeoutMs),
    idempotency_key: IdempotencyArg(idempotencyTtlMs, false),
    fields: FieldsArg('listing', false)
  })
}

export function CalendarUpdateArgsSchema (defaultTimeoutMs: number, idempotencyTtlMs: number) {
  return args({
    updates: compactUpdates(BatchCalendarUpdateBodySchema.properties.updates,
      `A range (both days included, ending at most ${CALENDAR_MAX_YEARS_AHEAD} years ahead) and at least one field to set on each day: ` +
      `${boundsText(CALENDAR_UPDATE_BOUNDS)}; minimum_stay <= maximum_stay; is_available false blocks; note "" clears. Overlapping ranges of a listing are both refused. ${RULE_BROKEN}`),
    timeout_ms: TimeoutArg(defaultTimeoutMs),
    dry_run: DryRunArg,
    idempotency_key: IdempotencyArg(idempotencyTtlMs, false)
  })
}

export function SendMessagesArgsSchema (defaultTimeoutMs: number, idempotencyTtlMs: number) {
  return args({
    messages: compactUpdates(BatchMessagesBodySchema.properties.messages,
      `body 1..${MESSAGE_BODY_MAX} chars, not blank, never logged; communication_type default email. ${RULE_BROKEN}`),
    timeout_ms: TimeoutArg(defaultTimeoutMs),
    dry_run: DryRunArg,
    idempotency_key: IdempotencyArg(idempotencyTtlMs, true)
  })
}

export function BookingUpdateArgsSchema (maxItems: number, defaultTimeoutMs: number, idempotencyTtlMs: number) {
  return args({
    updates: compactUpdates(BatchBookingUpdateBodySchema(maxItems).properties.updates,
      `booking_id and at least one field: ${boundsText(BOOKING_UPDATE_BOUNDS)}; arrivalDate before departureDate. ${RULE_BROKEN}`),
    timeout_ms: TimeoutArg(defaultTimeoutMs),
    dry_run: DryRunArg,
    idempotency_key: IdempotencyArg(idempotencyTtlMs, false),
    fields: FieldsArg('booking', false)
  })
}

export const AvailableListingsArgsSchema = args({ ...AvailableListingsQuerySchema.properties, fields: FieldsArg('listing', false) })
