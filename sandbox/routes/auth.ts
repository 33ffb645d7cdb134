import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { SandboxError, notFound } from '../errors.js'
import { Fail, RevokeQuery, TokenBodySchema } from '../schemas.js'
import type { SandboxState } from '../state.js'

const TokenOut = Type.Object({ token_type: Type.Literal('Bearer'), expires_in: Type.Integer(), access_token: Type.String() })
const tags = ['auth']

/** POST and DELETE /v1/accessTokens (authentication.md). */
const authRoutes: FastifyPluginAsyncTypebox<{ state: SandboxState }> = async (fastify, { state }) => {
  const { options, stats, tokens } = state

  fastify.post('/accessTokens', {
    schema: {
      tags,
      summary: 'Issue an access token (OAuth 2.0 client credentials, form-encoded)',
      operationId: 'issueAccessToken',
      body: Type.Union([TokenBodySchema, Type.Null()]),
      response: { 200: TokenOut, 400: Fail, 403: Fail, 429: Fail }
    }
  }, async (request) => {
    const { grant_type: grantType, client_id: clientId, client_secret: secret, scope } = request.body ?? {}
    const problem = grantType !== 'client_credentials'
      ? 'grant_type must be client_credentials'
      : scope !== 'general'
        ? 'scope must be general'
        : String(clientId) !== options.accountId || secret !== options.apiKey ? 'Invalid client credentials' : undefined
    if (problem !== undefined) {
      stats.authFailure()
      throw new SandboxError(403, problem)
    }
    const { token, expiresIn } = tokens.issue(options.accountId)
    stats.tokenIssued()
    return { token_type: 'Bearer' as const, expires_in: expiresIn, access_token: token }
  })

  fastify.delete('/accessTokens', {
    schema: {
      tags,
      summary: 'Revoke an access token',
      operationId: 'revokeAccessToken',
      querystring: RevokeQuery,
      response: { 200: Type.Object({ status: Type.Literal('success'), result: Type.Array(Type.Unknown()) }), 400: Fail, 404: Fail, 429: Fail }
    }
  }, async (request) => {
    if (!tokens.revoke(request.query.token)) throw notFound('Token')
    return { status: 'success' as const, result: [] }
  })
}

export default authRoutes
