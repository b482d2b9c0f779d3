import { isPatchbayError, PatchbayError } from '../../errors.js'
import type { PatchbayErrorCode } from '../../errors.js'

/**
 * What happened at the provider when a connection was deleted. `attempted` is false when the
 * connector declares no revocation endpoint (or the connection holds no token); `ok` is true
 * only when the provider confirmed every revocation; `error` is the first failure, without
 * secrets.
 */
export interface RevocationReport {
  attempted: boolean
  ok: boolean
  error?: { code: PatchbayErrorCode; message: string }
}

/** Nothing was asked of the provider. */
export const NOT_ATTEMPTED: RevocationReport = { attempted: false, ok: false }

/** A revocation that failed, with the error's code and (already redacted) message. */
export function failedRevocation(error: unknown): RevocationReport {
  const known = isPatchbayError(error)
    ? error
    : new PatchbayError('internal', 'Token revocation failed unexpectedly', { cause: error })
  return { attempted: true, ok: false, error: { code: known.code, message: known.message } }
}
