/**
 * Reads a dot path (`data.user.login`, `items.0.id`) out of a value; undefined when absent.
 * A key that itself contains dots is found too when it matches whole (`{"a.b": 1}`).
 */
export function getPath(value: unknown, path: string): unknown {
  if (path === '') return value
  if (value === null || typeof value !== 'object') return undefined
  const record = value as Record<string, unknown>
  if (Object.hasOwn(record, path)) return record[path]
  const dot = path.indexOf('.')
  if (dot === -1) return undefined
  const head = path.slice(0, dot)
  if (!Object.hasOwn(record, head)) return undefined
  return getPath(record[head], path.slice(dot + 1))
}
