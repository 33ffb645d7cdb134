/**
 * Compiled schema functions kept for the life of the process. Compiling validators (Ajv) and
 * serializers (fast-json-stringify) is most of the CPU of starting an app, and an equal schema
 * compiles to the same code in every app a process builds: the test processes build hundreds of
 * apps (and sandboxes), each of which compiled everything again. A compiled function holds no state
 * between calls (a validator's `errors` is read right after the call that set it), so apps share it.
 */
export class CompileCache<T> {
  private readonly compiled = new Map<string, T>()

  /**
   * The function compiled from `schema`, built once per process (`build` is given the shared schemas
   * it refers to, by id). The key is what the code is compiled from, as JSON: `schema`, the shared
   * schemas (by `$id`) it refers to, directly or through one another, and `options` (the compiler's,
   * and e.g. the request part). Other shared schemas do not count: apps whose configuration changes
   * one (a batch's `maxItems`) still share the rest.
   */
  get (schema: unknown, shared: Readonly<Record<string, unknown>>, options: unknown, build: (referenced: Record<string, unknown>) => T): T {
    const used = referenced(schema, shared)
    const refs = Object.entries(used).map(([id, value]) => `${id}:${json(value)}`)
    const key = `${json(schema)}|${refs.join('|')}|${JSON.stringify(options) ?? ''}`
    let fn = this.compiled.get(key)
    if (fn === undefined) {
      fn = build(used)
      this.compiled.set(key, fn)
    }
    return fn
  }
}

/** A schema's JSON, computed once per schema object (apps built from the same modules share their schema objects). */
const jsons = new WeakMap<object, string>()
function json (schema: unknown): string {
  if (typeof schema !== 'object' || schema === null) return JSON.stringify(schema) ?? ''
  let text = jsons.get(schema)
  if (text === undefined) {
    text = JSON.stringify(schema)
    jsons.set(schema, text)
  }
  return text
}

/** The shared schemas `schema` refers to by `$ref` (`Id` or `Id#/path`), and those they refer to, by id. */
export function referenced (schema: unknown, shared: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const found: Record<string, unknown> = {}
  const pending: unknown[] = [schema]
  while (pending.length > 0) {
    const node = pending.pop()
    if (typeof node !== 'object' || node === null) continue
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') {
        const id = value.split('#')[0] ?? ''
        if (id !== '' && !(id in found) && shared[id] !== undefined) {
          found[id] = shared[id]
          pending.push(shared[id])
        }
      } else {
        pending.push(value)
      }
    }
  }
  return found
}
