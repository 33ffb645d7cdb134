import { Type, type TNull, type TOptional, type TString, type TUnion } from '@sinclair/typebox'
import { Nullable } from './common.js'

/**
 * THE list of data fields that grant physical or network access to a property: door codes, key
 * pickup instructions, Wi-Fi credentials (Hostaway's listing and reservation objects). They are
 * left out of every response to an API key without the `secrets` scope, batch results included
 * (services/secrets.ts), and documented as such in the Listing and Booking schemas.
 */
export const SECRET_FIELDS = {
  listing: {
    doorSecurityCode: 'Door or lock code of the property',
    keyPickup: 'Key pickup instructions (where the key or lockbox is)',
    wifiUsername: 'Wi-Fi network name',
    wifiPassword: 'Wi-Fi password'
  },
  booking: {
    doorCode: 'Door code issued for this stay',
    doorCodeVendor: 'Smart-lock vendor of the door code',
    doorCodeInstruction: 'How to use the door code'
  }
} as const

/** The schema properties of secret fields: optional, nullable strings, documented as scope-gated. */
export function secretProperties<K extends string> (fields: Record<K, string>): Record<K, TOptional<TUnion<[TString, TNull]>>> {
  const out = {} as Record<K, TOptional<TUnion<[TString, TNull]>>>
  for (const name of Object.keys(fields) as K[]) {
    out[name] = Type.Optional(Nullable(Type.String({
      description: `${fields[name]}. Sent only to API keys with the "secrets" scope (left out otherwise).`
    })))
  }
  return out
}
