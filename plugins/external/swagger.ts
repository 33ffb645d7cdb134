import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
// tsc copies package.json next to the build (dist/package.json), so this path holds for both
import pkg from '../../package.json' with { type: 'json' }

export const API_KEY_SCHEME = 'ApiKeyAuth'
/** /mcp also takes the key as `Authorization: Bearer <key>` (MCP clients send that header). */
export const BEARER_SCHEME = 'BearerAuth'

/**
 * The OpenAPI 3.1 document, built from the route schemas: every model registered with `$id` at the
 * root becomes a component named by its `$id` (`#/components/schemas/Listing`), never `def-N`;
 * every /api operation requires the X-API-Key header, /mcp that header or a bearer token. Served at GET /openapi.json and, with
 * Swagger UI, at /docs.
 */
export default fp(async (fastify) => {
  await fastify.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'hostaway-gateway',
        description: 'A fast, resilient REST gateway to the Hostaway Public API, with batch operations that report partial failures item by item.',
        version: pkg.version
      },
      tags: [
        { name: 'listings', description: 'Hostaway listings and their calendars' },
        { name: 'bookings', description: 'Hostaway reservations and their messages' },
        { name: 'batch', description: 'Many items in one request, with a PartialFailureResponse' },
        { name: 'mcp', description: 'The Model Context Protocol endpoint for AI agents (README, "MCP endpoint")' },
        { name: 'health', description: 'Liveness and readiness' }
      ],
      components: {
        securitySchemes: {
          [API_KEY_SCHEME]: {
            type: 'apiKey',
            in: 'header',
            name: 'X-API-Key',
            description: 'One of the keys in API_KEYS (every /api route and /mcp; open when API_KEYS is unset)'
          },
          [BEARER_SCHEME]: {
            type: 'http',
            scheme: 'bearer',
            description: 'One of the keys in API_KEYS as a bearer token (/mcp only)'
          }
        }
      }
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => typeof json.$id === 'string' ? json.$id : `def-${i}`
    },
    transform: ({ schema, url }) => {
      if (schema === undefined) return { schema, url }
      if (url === '/mcp') return { schema: { ...schema, security: [{ [API_KEY_SCHEME]: [] }, { [BEARER_SCHEME]: [] }] }, url }
      if (!(url === '/api' || url.startsWith('/api/'))) return { schema, url }
      return { schema: { ...schema, security: [{ [API_KEY_SCHEME]: [] }] }, url }
    }
  })

  await fastify.register(swaggerUi, { routePrefix: '/docs' })

  fastify.get('/openapi.json', { schema: { hide: true } }, async function openapi () {
    return fastify.swagger()
  })
}, { name: 'swagger' })
