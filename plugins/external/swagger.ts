import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { createDocumenter, securitySchemes, serverOf } from '../../services/openapi.js'
// tsc copies package.json next to the build (dist/package.json), so this path holds for both
import type { AppOptions } from '../../app.js'
import pkg from '../../package.json' with { type: 'json' }

/**
 * The OpenAPI 3.1 document, built from the route schemas and made to match the server
 * (services/openapi.ts): every model registered with `$id` at the root becomes a component named
 * by its `$id` (`#/components/schemas/Listing`), never `def-N`; the /api operations require an
 * X-API-Key with their scope only when API_KEYS is set; `servers` is PUBLIC_BASE_URL or the
 * listen address. Served at GET /openapi.json and, with Swagger UI, at /docs.
 */
export default fp<AppOptions>(async (fastify, { config }) => {
  const apiOpen = config.API_KEYS === undefined
  const documenter = createDocumenter({ apiOpen })
  await fastify.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'hostaway-gateway',
        description: 'A fast, resilient REST gateway to the Hostaway Public API, with batch operations that report partial failures item by item. ' +
          'Every non-2xx response of the REST routes has the ErrorResponse body, including rejections before routing (malformed HTTP 400, 408, 413, 414, 417, 431). ' +
          'One route answers JSON-RPC instead past the gateway\'s own checks: POST /mcp (the Model Context Protocol), whose protocol errors are JSON-RPC errors (docs/mcp.md). ' +
          'Keyed routes (/api, /mcp, /metrics) take the API key as X-API-Key or Authorization: Bearer when API_KEYS is set; GET and DELETE /mcp answer 405 (stateless endpoint).',
        version: pkg.version,
        contact: { name: 'hostaway-gateway maintainers', url: 'https://github.com/hostaway-gateway/hostaway-gateway' },
        license: { name: 'MIT', identifier: 'MIT' }
      },
      tags: [
        { name: 'listings', description: 'Hostaway listings and their calendars' },
        { name: 'bookings', description: 'Hostaway reservations and their messages' },
        { name: 'batch', description: 'Many items in one request, with a PartialFailureResponse' },
        { name: 'mcp', description: 'The Model Context Protocol endpoint for AI agents (README, "MCP endpoint")' },
        { name: 'health', description: 'Liveness, readiness and metrics' },
        { name: 'webhooks', description: 'Hostaway\'s unified webhooks, which keep the read cache fresh' },
        { name: 'jobs', description: 'Batches run as jobs (`Prefer: respond-async`): status, finished items, progress events, cancel' }
      ],
      components: { securitySchemes: securitySchemes({ apiOpen }) }
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => typeof json.$id === 'string' ? json.$id : `def-${i}`
    },
    transform: ({ schema, url, route }) => ({
      schema: schema === undefined ? schema : documenter.route(schema, url, [route.method].flat(), route.config?.scope ?? 'read'),
      url
    }),
    // the document is built once, at the first request for it: by then the gateway listens
    transformObject: (document) => documenter.finish('openapiObject' in document ? document.openapiObject : {}, [
      serverOf(config.PUBLIC_BASE_URL, fastify.server.address(), { host: config.HOST, port: config.PORT })
    ])
  })

  await fastify.register(swaggerUi, { routePrefix: '/docs' })

  fastify.get('/openapi.json', { schema: { hide: true } }, async function openapi () {
    return fastify.swagger()
  })
}, { name: 'swagger' })
