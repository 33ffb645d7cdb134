/**
 * Where a JSON text holds a key that Fastify's parser refuses as prototype poisoning: `__proto__`,
 * or `constructor` holding a `prototype` (secure-json-parse's rules), as a JSON-pointer-like path
 * (`/updates/0/__proto__`); undefined when it has none or is not JSON at all. JSON.parse makes
 * such keys plain own properties, so looking at them is safe.
 */
export function forbiddenKeyPath (text: string): string | undefined {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  return find(value, '')
}

function find (value: unknown, path: string): string | undefined {
  if (value === null || typeof value !== 'object') return undefined
  for (const [key, child] of Object.entries(value)) {
    if (key === '__proto__') return `${path}/__proto__`
    if (key === 'constructor' && child !== null && typeof child === 'object' && Object.hasOwn(child, 'prototype')) return `${path}/constructor`
    const found = find(child, `${path}/${key}`)
    if (found !== undefined) return found
  }
  return undefined
}
