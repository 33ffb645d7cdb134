import { Type, type Static } from '@sinclair/typebox'

export const HealthSchema = Type.Object({
  status: Type.Literal('ok'),
  uptime_s: Type.Number({ description: 'Seconds since the process started' })
}, { $id: 'Health', additionalProperties: false })
export type Health = Static<typeof HealthSchema>

export const ReadySchema = Type.Object({
  status: Type.Literal('ready'),
  upstream: Type.String({ description: 'Base URL of the upstream in use', example: 'https://api.hostaway.com/v1' })
}, { $id: 'Ready', additionalProperties: false })
export type Ready = Static<typeof ReadySchema>
