import t from 'tap'
import Fastify from 'fastify'
import fp from 'fastify-plugin'
import { sandbox } from '../helper.js'
import hostawayPlugin from '../../plugins/app/hostaway.js'
import { loadConfig } from '../../services/config.js'
import type { Config } from '../../schemas/config.js'
import { GatewayError } from '../../services/errors.js'
import type { Telemetry } from '../../services/telemetry.js'
import { recordingTelemetry } from '../fixtures/telemetry.js'
import { sandboxUpstream } from '../fixtures/harness.js'

// a stand-in for plugins/app/config.ts: same name, same decorator
const configPlugin = fp<{ config: Config }>(async (fastify, opts) => {
  fastify.decorate('config', opts.config)
}, { name: 'config' })

// a stand-in for plugins/app/telemetry.ts: same name, a recording Telemetry
const telemetryPlugin = fp<{ telemetry: Telemetry }>(async (fastify, opts) => {
  fastify.decorate('telemetry', opts.telemetry)
}, { name: 'telemetry' })

const sb = await sandbox(t)

t.test('decorates fastify.hostaway from the config and closes it with the app', async (t) => {
  const lines: string[] = []
  const app = Fastify({ logger: { level: 'debug', stream: { write (s: string) { lines.push(s) } } } })
  const config = loadConfig({
    ...sandboxUpstream(sb),
    HOSTAWAY_TOKEN_SETTLE_MS: '20',
    HOSTAWAY_RATE_WINDOW_MS: '1000'
  })
  const recorded = recordingTelemetry()
  await app.register(configPlugin, { config })
  await app.register(telemetryPlugin, { telemetry: recorded.telemetry })
  await app.register(hostawayPlugin)
  await app.ready()

  t.type(app.hostaway.getListing, 'function')
  await app.hostaway.checkReady()
  const listing = await app.hostaway.getListing(1)
  t.equal(listing.id, 1)
  t.ok(lines.some((l) => /"component":"hostaway"/.test(l) && /hostaway token issued/.test(l)), 'logs through a child logger')
  t.notMatch(lines.join(''), /sandbox-secret|Bearer /)
  t.same(recorded.of('upstreamAttempt').map(([endpoint, status, result]) => [endpoint, status, result]), [['token', '2xx', 'success'], ['listing', '2xx', 'success']],
    'the parts report to the app\'s telemetry')
  t.match(recorded.probes.limiter?.(), { queued: 0, cap: 14 }, 'the limiter is watched')
  t.equal(recorded.probes.breaker?.(), 'closed', 'the breaker is watched')

  await app.close()
  const err = await app.hostaway.getListing(2).catch((e: unknown) => e)
  t.ok(err instanceof GatewayError)
  t.equal((err as GatewayError).error_type, 'unprocessed', 'closed with the app')
  t.match((err as GatewayError).message, /^GET \/listings\/2 was not sent: the Hostaway client is closed$/)
})

t.test('fails registration clearly when no credentials were filled in', async (t) => {
  const app = Fastify()
  await app.register(configPlugin, { config: loadConfig({}) })
  await app.register(telemetryPlugin, { telemetry: recordingTelemetry().telemetry })
  app.register(hostawayPlugin)
  await t.rejects(async () => { await app.ready() }, /HOSTAWAY_ACCOUNT_ID and HOSTAWAY_API_KEY are not set/)
  await app.close()
})
