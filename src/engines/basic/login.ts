import { PatchbayError } from '../../errors.js'
import type { JsonValue } from '../../errors.js'
import { getPath, lifetimeSeconds } from '../../common/index.js'
import type { LoginSpec } from '../../kit/index.js'
import { toEpochSeconds } from '../shared/epoch-seconds.js'

/** A token obtained by logging in, with its absolute expiry when the provider gives one. */
export interface LoginToken {
  token: string
  expiresAt?: number
}

/**
 * Reads a login response: the token at `tokenPath` and an expiry from `expiresInPath`
 * (seconds, or `expiresInUnit`, from `now`) or, when that gives no lifetime, `expiresAtPath` (epoch seconds,
 * milliseconds or an ISO date).
 * @throws PatchbayError `invalid_response` when the token is not where the connector says
 */
export function readLoginResponse(body: JsonValue, spec: LoginSpec, now: number): LoginToken {
  const token = getPath(body, spec.tokenPath)
  if (typeof token !== 'string' || token === '') {
    throw new PatchbayError('invalid_response', `Login response has no token at "${spec.tokenPath}"`)
  }
  const result: LoginToken = { token }
  // Both paths may name one field (Appmixer's `expires`: seconds, or a date when not a number).
  const seconds = spec.expiresInPath ? Number(getPath(body, spec.expiresInPath)) : Number.NaN
  if (Number.isFinite(seconds) && seconds > 0) {
    result.expiresAt = now + lifetimeSeconds(seconds, spec.expiresInUnit)
  } else if (spec.expiresAtPath) {
    const at = toEpochSeconds(getPath(body, spec.expiresAtPath))
    if (at !== undefined) result.expiresAt = at
  }
  return result
}
