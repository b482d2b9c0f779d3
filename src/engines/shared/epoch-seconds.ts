/**
 * Reads an absolute time as epoch seconds: a number of seconds or milliseconds, a string of
 * digits, or an ISO 8601 date; undefined when it is none of these.
 */
export function toEpochSeconds(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) {
    // Milliseconds are told apart from seconds by size: 1e12 ms is 2001, 1e12 s is year 33658.
    return value > 1e12 ? Math.floor(value / 1000) : Math.floor(value)
  }
  if (typeof value === 'string' && value !== '') {
    if (/^\d+$/.test(value)) return toEpochSeconds(Number(value))
    const parsed = Date.parse(value)
    if (!Number.isNaN(parsed)) return Math.floor(parsed / 1000)
  }
  return undefined
}
