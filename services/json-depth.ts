/**
 * How deeply JSON nests objects and arrays (`1` and `"a"`: 0, `{}` and `[1]`: 1, `{"a":[1]}`: 2).
 * JSON.parse takes any depth, but JSON.stringify (fast-json-stringify, the MCP transport's
 * re-serialization) recurses and throws a RangeError somewhere past a few thousand levels: a value
 * the gateway accepts at any depth could never be answered. So request bodies and upstream
 * responses are bounded (JSON_MAX_DEPTH) where they come in, and nothing here recurses.
 */

const OPEN_BRACE = 0x7b
const OPEN_BRACKET = 0x5b
const CLOSE_BRACE = 0x7d
const CLOSE_BRACKET = 0x5d
const QUOTE = 0x22
const BACKSLASH = 0x5c

/**
 * Whether the JSON text `text` nests deeper than `max`, read without parsing it (a scan that skips
 * strings): a body is refused before anything builds it. Text that is not JSON gives an answer
 * that only bounds its brackets; the parser then says what is wrong with it.
 */
export function textDeeperThan (text: string, max: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === BACKSLASH) i++
      else if (c === QUOTE) inString = false
    } else if (c === QUOTE) {
      inString = true
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) return true
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--
    }
  }
  return false
}

/** Whether a parsed JSON value nests deeper than `max` (walked with a stack of its own, not recursion). */
export function valueDeeperThan (value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]]
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [node, depth] = next
    if (typeof node !== 'object' || node === null) continue
    if (depth + 1 > max) return true
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1])
    }
  }
  return false
}
