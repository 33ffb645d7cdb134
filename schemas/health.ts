import { Type, type Static } from '@sinclair/typebox'

const Upstream = Type.Union([Type.Literal('sandbox'), Type.Literal('hostaway')], {
  description: 'What the gateway talks to: the real Hostaway API, or the embedded simulator (simulated data)'
})

export const HealthSchema = Type.Object({
  status: Type.Literal('ok'),
  uptime_s: Type.Number({ description: 'Seconds since the process started' }),
  upstream: Upstream,
  jobs: Type.Union([Type.Literal('memory'), Type.Literal('redis')], {
    description: 'Where jobs (Prefer: respond-async) run: memory = in this process, they end with it; redis = on BullMQ, resumed by another instance'
  })
}, { $id: 'Health', additionalProperties: false })
export type Health = Static<typeof HealthSchema>

export const ReadySchema = Type.Object({
  status: Type.Literal('ready'),
  upstream: Upstream,
  upstream_url: Type.String({ description: 'Base URL of the upstream, without credentials or query', example: 'https://api.hostaway.com/v1' })
}, { $id: 'Ready', additionalProperties: false })
export type Ready = Static<typeof ReadySchema>
