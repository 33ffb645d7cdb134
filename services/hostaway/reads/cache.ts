import type { KeyValueStore } from '../../seams.js'

export interface MemoryStoreOptions {
  /** Most entries kept; the least recently used one is evicted first (default 10 000). */
  maxEntries?: number
  /** Clock (ms); defaults to `Date.now`. */
  now?: () => number
}

export interface MemoryStore<V> extends KeyValueStore<V> {
  /** Entries held right now (expired ones included until touched or evicted). */
  readonly size: number
}

/**
 * An in-memory KeyValueStore with a TTL per entry and LRU eviction. Expired entries are dropped when
 * read, or when they reach the cold end of the LRU order.
 */
export function createMemoryStore<V> (options: MemoryStoreOptions = {}): MemoryStore<V> {
  const maxEntries = Math.max(1, options.maxEntries ?? 10_000)
  const now = options.now ?? Date.now
  /**
   * The entries by key, and in a list from the most to the least recently used. A hit moves its
   * entry to the front of the list: pointers, not a delete and re-insert in the Map (which was
   * ~2 % of a warm batch's CPU: ten hits each, and the Map's table refilled with deleted slots).
   */
  const entries = new Map<string, Entry<V>>()
  let newest: Entry<V> | undefined
  let oldest: Entry<V> | undefined

  function unlink (entry: Entry<V>): void {
    if (entry.newer === undefined) newest = entry.older
    else entry.newer.older = entry.older
    if (entry.older === undefined) oldest = entry.newer
    else entry.older.newer = entry.newer
    entry.newer = undefined
    entry.older = undefined
  }

  function toFront (entry: Entry<V>): void {
    entry.older = newest
    if (newest === undefined) oldest = entry
    else newest.newer = entry
    newest = entry
  }

  function remove (key: string): void {
    const entry = entries.get(key)
    if (entry === undefined) return
    entries.delete(key)
    unlink(entry)
  }

  return {
    get size () {
      return entries.size
    },

    async get (key: string): Promise<V | undefined> {
      const entry = entries.get(key)
      if (entry === undefined) return undefined
      if (entry.expiresAt <= now()) {
        remove(key)
        return undefined
      }
      if (entry !== newest) {
        unlink(entry)
        toFront(entry)
      }
      return entry.value
    },

    async set (key: string, value: V, ttlMs: number): Promise<void> {
      remove(key)
      if (!(ttlMs > 0)) return
      const entry: Entry<V> = { key, value, expiresAt: now() + ttlMs, newer: undefined, older: undefined }
      entries.set(key, entry)
      toFront(entry)
      for (let cold = oldest; entries.size > maxEntries && cold !== undefined; cold = oldest) remove(cold.key)
    },

    async delete (key: string): Promise<void> {
      remove(key)
    },

    async clear (): Promise<void> {
      entries.clear()
      newest = undefined
      oldest = undefined
    }
  }
}

/** An entry of the memory store, linked to its neighbours in the order of use. */
interface Entry<V> {
  key: string
  value: V
  expiresAt: number
  /** the entry used after this one (undefined: this is the most recent) */
  newer: Entry<V> | undefined
  /** the entry used before this one (undefined: this is the least recent) */
  older: Entry<V> | undefined
}
