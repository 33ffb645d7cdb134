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
  // a Map iterates in insertion order: re-inserting on read keeps the most recent at the end
  const entries = new Map<string, { value: V, expiresAt: number }>()

  return {
    get size () {
      return entries.size
    },

    async get (key: string): Promise<V | undefined> {
      const entry = entries.get(key)
      if (entry === undefined) return undefined
      entries.delete(key)
      if (entry.expiresAt <= now()) return undefined
      entries.set(key, entry)
      return entry.value
    },

    async set (key: string, value: V, ttlMs: number): Promise<void> {
      entries.delete(key)
      if (!(ttlMs > 0)) return
      entries.set(key, { value, expiresAt: now() + ttlMs })
      while (entries.size > maxEntries) {
        const oldest = entries.keys().next().value as string
        entries.delete(oldest)
      }
    },

    async delete (key: string): Promise<void> {
      entries.delete(key)
    },

    async clear (): Promise<void> {
      entries.clear()
    }
  }
}
