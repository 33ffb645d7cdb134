/**
 * The methods a path takes, so that a request no route matched can be told apart: a path that exists
 * with other methods is 405 with `Allow` (RFC 9110 §15.5.6), anything else 404. Fastify's router
 * answers "no route" for both; its `findRoute` matches a path the way routing does, one method at a
 * time, so the answer follows every route, whichever plugin added it and whatever its URL syntax.
 */
export interface RouteFinder {
  supportedMethods: readonly string[]
  findRoute: (route: { method: string, url: string }) => unknown
}

/**
 * The methods some route takes at `path` (no query string), sorted, minus `refused`: the methods a
 * route answers only to refuse with its own 405 (e.g. GET /mcp), by static path.
 */
export function allowedMethods (router: RouteFinder, path: string, refused: ReadonlyMap<string, ReadonlySet<string>> = new Map()): string[] {
  const refusedHere = refused.get(path)
  return router.supportedMethods
    .filter((method) => refusedHere?.has(method) !== true && router.findRoute({ method, url: path }) !== null)
    .sort()
}
