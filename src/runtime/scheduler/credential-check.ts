import type { Envelope } from '../capabilities/index.js'

/** What a scheduled check of non-expiring credentials found. */
export type CheckOutcome =
  /** The provider accepted them. */
  | 'valid'
  /** The provider refused them (401/403, `valid: false`, or a renewal said `invalid_grant`). */
  | 'refused'
  /** No answer worth acting on (5xx, timeout, network): nothing changes; checked again later. */
  | 'failed'
  /** The connector declares no way to check (no `validate`, no profile request). */
  | 'skipped'

/**
 * Reads the envelope of a `validate_credentials` call. Only a refusal by the provider counts
 * against the credentials: a provider that is down says nothing about them.
 */
export function checkOutcomeOf(envelope: Envelope | null): CheckOutcome {
  if (envelope === null) return 'skipped'
  if (envelope.error) {
    const code = envelope.error.code
    return code === 'unauthorized' || code === 'needs_reauth' ? 'refused' : 'failed'
  }
  const response = envelope.response
  const valid =
    response !== null && typeof response === 'object' && !Array.isArray(response)
      ? (response as { valid?: unknown }).valid
      : undefined
  return valid === false ? 'refused' : 'valid'
}

/** Why a refused check ended a connection, for `last_error` and the webhook (no secret). */
export function refusalReason(envelope: Envelope | null): string {
  const message = envelope?.error?.message
  return message
    ? `the scheduled credential check was refused: ${message}`
    : 'the scheduled credential check was refused'
}
