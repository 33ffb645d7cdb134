import type { IncomingMessage, ServerResponse } from 'node:http'
import { randomUUID } from 'node:crypto'
import fp from 'fastify-plugin'
import { errorTypeForStatus, rawError } from '../../services/error-response.js'
import { forbiddenKeyPath } from '../../services/json-keys.js'
import { textDeeperThan } from '../../services/json-depth.js'

/**
 * The HTTP rules every request meets before a route sees it, each rejection in the error schema:
 * - bodies are JSON only: any other content type is 415 (Fastify's text/plain parser is removed,
 *   so a text body is not mistaken for a malformed JSON one);
 * - a JSON body nested deeper than JSON_MAX_DEPTH levels of objects and arrays is a 400 naming the
 *   limit, before it is parsed (any route, /mcp and the webhook receiver included: no value too deep
 *   to be answered, or cached, gets in);
 * - a JSON body with a `__proto__` key (or `constructor.prototype`) is a 400 naming that key;
 * - an HTTP/1.1 request without Host is a 400 (Node's own answer has no body; app.ts lets it through);
 * - an `Expect` other than 100-continue is a 417 (Node's own answer has no body).
 */
export default fp(async (fastify) => {
  const { httpErrors, config } = fastify
  const maxDepth = config.JSON_MAX_DEPTH

  fastify.removeContentTypeParser(['text/plain', 'application/json'])
  const parseJson = fastify.getDefaultJsonParser('error', 'error')
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, function json (request, body, done) {
    if (textDeeperThan(body as string, maxDepth)) {
      done(httpErrors.badRequest(`body is nested deeper than ${maxDepth} levels of objects and arrays (JSON_MAX_DEPTH)`), undefined)
      return
    }
    parseJson(request, body as string, (err, value) => {
      const key = err === null ? undefined : forbiddenKeyPath(body as string)
      if (key !== undefined) done(httpErrors.badRequest(`body${key} is not an allowed field`), undefined)
      else done(err, value)
    })
  })

  fastify.addHook('onRequest', (request, _reply, done) => {
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      done(httpErrors.badRequest('An HTTP/1.1 request must have a Host header'))
      return
    }
    done()
  })

  fastify.server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
    const requestId = randomUUID()
    fastify.log.info({ request_id: requestId, method: req.method, path: req.url?.split('?')[0] }, 'unsupported Expect header')
    const { headers, body } = rawError(requestId, { status: 417, message: 'Only "Expect: 100-continue" is supported', errorType: errorTypeForStatus(417) })
    res.writeHead(417, headers).end(body)
  })
}, { name: 'protocol', dependencies: ['config', 'error-handler', 'request-id'] })
