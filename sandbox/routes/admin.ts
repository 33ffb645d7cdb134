import { Type, TypeBoxValidatorCompiler, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { FaultsSchema } from '../faults.js'
import { Fail, ResetBody } from '../schemas.js'
import type { SandboxState } from '../state.js'
import { StatsSchema } from '../stats.js'

const tags = ['sandbox']
const Ok = Type.Object({ ok: Type.Literal(true) })

/** /__sandbox/*: stats and controls for tests and benchmarks. No auth, never rate limited nor counted. */
const adminRoutes: FastifyPluginAsyncTypebox<{ state: SandboxState }> = async (fastify, { state }) => {
  // Strict checks (no type coercion): a fault config like { "503": 1 } is an error, not [1].
  fastify.setValidatorCompiler(TypeBoxValidatorCompiler)

  fastify.get('/stats', {
    schema: { tags, summary: 'Request, rate-limit, write and fault counters', operationId: 'sandboxStats', response: { 200: StatsSchema } }
  }, async () => state.stats.snapshot())

  fastify.get('/faults', {
    schema: { tags, summary: 'The active fault config', operationId: 'sandboxGetFaults', response: { 200: FaultsSchema } }
  }, async () => state.faults.current)

  fastify.post('/faults', {
    schema: { tags, summary: 'Replace the fault config', operationId: 'sandboxSetFaults', body: FaultsSchema, response: { 200: FaultsSchema, 400: Fail } }
  }, async (request) => state.setFaults(request.body))

  fastify.post('/reset', {
    // No body at all means {}.
    preValidation: async (request) => { request.body ??= {} },
    schema: { tags, summary: 'Zero counters, clear faults and rate-limit logs; { data: true } also regenerates the data', operationId: 'sandboxReset', body: ResetBody, response: { 200: Ok, 400: Fail } }
  }, async (request) => {
    state.reset({ data: request.body?.data === true })
    return { ok: true as const }
  })

  fastify.post('/expire-tokens', {
    schema: { tags, summary: 'Revoke every token issued so far', operationId: 'sandboxExpireTokens', response: { 200: Type.Object({ revoked: Type.Integer() }) } }
  }, async () => ({ revoked: state.tokens.revokeAll() }))
}

export default adminRoutes
