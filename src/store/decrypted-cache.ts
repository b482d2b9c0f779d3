import type { JsonValue } from '../errors.js'

/**
 * A bounded, least-recently-used map of decrypted rows, each kept with the row's version. A store
 * answers from it only after reading the row's current version and finding it equal, so a write
 * by any process (each write bumps the version) is seen on the next read, and the cost of a hit
 * is one integer read instead of a decrypt.
 *
 * It holds plaintext secrets in memory, as the process already does while it uses them; an entry
 * is dropped when its row is deleted (here, or found missing after a delete elsewhere) and on
 * close, so no secret outlives its row in this process longer than the next read of it.
 */
export interface DecryptedCache<T> {
  /** The value cached for `id` at exactly `version`, else undefined (a stale entry is dropped). */
  get(id: string, version: number): T | undefined
  /** Whether anything is cached for `id`, whatever its version. */
  has(id: string): boolean
  set(id: string, version: number, value: T): void
  delete(id: string): void
  clear(): void
  readonly size: number
}

/** Entries per table kept by default by {@link createDecryptedCache}. */
export const DEFAULT_DECRYPTED_CACHE_ENTRIES = 10_000

/**
 * Creates an {@link DecryptedCache} holding at most `maxEntries` rows (0 turns it off), evicting the
 * least recently used first.
 */
export function createDecryptedCache<T>(maxEntries: number = DEFAULT_DECRYPTED_CACHE_ENTRIES): DecryptedCache<T> {
  if (!Number.isInteger(maxEntries) || maxEntries < 0) {
    throw new TypeError(`the cache size must be a whole number of entries, got ${maxEntries}`)
  }
  // A Map iterates in insertion order: re-inserting on a hit keeps the least recent first.
  const entries = new Map<string, { version: number; value: T }>()
  return {
    get(id, version) {
      const entry = entries.get(id)
      if (entry === undefined) return undefined
      entries.delete(id)
      if (entry.version !== version) return undefined
      entries.set(id, entry)
      return entry.value
    },
    has: (id) => entries.has(id),
    set(id, version, value) {
      if (maxEntries === 0) return
      entries.delete(id)
      entries.set(id, { version, value })
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string)
    },
    delete(id) {
      entries.delete(id)
    },
    clear() {
      entries.clear()
    },
    get size() {
      return entries.size
    },
  }
}

/**
 * A deep copy of a JSON value, so that a caller changing what a read returned changes neither
 * the cache nor what the next caller gets.
 */
export function copyJson<T extends JsonValue>(value: T): T {
  if (typeof value !== 'object' || value === null) return value
  if (Array.isArray(value)) return value.map((item) => copyJson(item)) as T
  const copy: { [key: string]: JsonValue } = {}
  for (const key of Object.keys(value)) {
    const item = copyJson(value[key] as JsonValue)
    // JSON.parse makes `__proto__` an own key; plain assignment would set the prototype instead.
    if (key === '__proto__') {
      Object.defineProperty(copy, key, { value: item, enumerable: true, writable: true, configurable: true })
    } else copy[key] = item
  }
  return copy as T
}
