import { PatchbayError } from '../../errors.js'
import type { JsonValue } from '../../errors.js'
import { getPath } from '../../kit/index.js'
import type { LoginSpec } from '../../kit/index.js'

/** A token obtained by logging in, with its absolute expiry when the provider gives one. */
export interface LoginToken {
  token: string
  expiresAt?: number
}

function toEpochSeconds(value: unknown): number | undefined {
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

/**
 * Reads a login response: the token at `tokenPath` and an expiry from `expiresInPath`
 * (seconds from `now`) or `expiresAtPath` (epoch seconds, milliseconds or an ISO date).
 * @throws PatchbayError `invalid_response` when the token is not where the connector says
 */
export function readLoginResponse(body: JsonValue, spec: LoginSpec, now: number): LoginToken {
  const token = getPath(body, spec.tokenPath)
  if (typeof token !== 'string' || token === '') {
    throw new PatchbayError('invalid_response', `Login response has no token at "${spec.tokenPath}"`)
  }
  const result: LoginToken = { token }
  if (spec.expiresInPath) {
    const seconds = Number(getPath(body, spec.expiresInPath))
    if (Number.isFinite(seconds) && seconds > 0) result.expiresAt = now + Math.floor(seconds)
  } else if (spec.expiresAtPath) {
    const at = toEpochSeconds(getPath(body, spec.expiresAtPath))
    if (at !== undefined) result.expiresAt = at
  }
  return result
}
