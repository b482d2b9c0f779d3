import { isDeepStrictEqual } from 'node:util'

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * Where `actual` departs from the `expected` subset, as a dot path with both values, or undefined
 * when it does not: objects are compared by the keys `expected` names (others may be there),
 * arrays by length and then element by element the same way, anything else by value.
 */
export function subsetMismatch(actual: unknown, expected: unknown, path = ''): string | undefined {
  const here = path === '' ? '(the value)' : path
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${here}: expected an array, got ${describe(actual)}`
    if (actual.length !== expected.length) {
      return `${here}: expected ${expected.length} items, got ${actual.length}`
    }
    for (const [index, item] of expected.entries()) {
      const found = subsetMismatch(actual[index], item, `${path}[${index}]`)
      if (found !== undefined) return found
    }
    return undefined
  }
  if (isObject(expected)) {
    if (!isObject(actual)) return `${here}: expected an object, got ${describe(actual)}`
    for (const [key, value] of Object.entries(expected)) {
      const child = path === '' ? key : `${path}.${key}`
      if (!(key in actual)) return `${child}: missing (expected ${describe(value)})`
      const found = subsetMismatch(actual[key], value, child)
      if (found !== undefined) return found
    }
    return undefined
  }
  return isDeepStrictEqual(actual, expected)
    ? undefined
    : `${here}: expected ${describe(expected)}, got ${describe(actual)}`
}

/** Whether a dot path (`email`, `profile.emails`) leads to a value, null included. */
export function hasPath(value: unknown, path: string): boolean {
  let here: unknown = value
  for (const key of path.split('.')) {
    if (!isObject(here) && !Array.isArray(here)) return false
    if (!(key in (here as object))) return false
    here = (here as Record<string, unknown>)[key]
  }
  return true
}

/** A value in a failure message: JSON, cut short. */
export function describe(value: unknown): string {
  if (value === undefined) return 'undefined'
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 200 ? `${text.slice(0, 197)}...` : text
}
