import { isPatchbayError } from '../../errors.js'
import type { Connection } from '../types.js'

type Unreadable = NonNullable<Connection['credentialsUnreadable']>

/**
 * Why a connection's credentials do not open, in words for its `last_error` (key ids only, never
 * key material or plaintext), from the reason `open` or `sealedValueProblem` gave.
 */
export function unreadableCredentials(
  connectionId: string,
  reason: string,
  keyId: unknown,
): Unreadable {
  return reason === 'key_missing'
    ? {
        code: 'invalid_config',
        reason:
          `the credentials of connection "${connectionId}" are sealed by encryption key ` +
          `"${String(keyId)}", which PATCHBAY_ENCRYPTION_KEY does not hold`,
      }
    : {
        code: 'needs_reauth',
        reason:
          `the credentials of connection "${connectionId}" cannot be decrypted (damaged, ` +
          'or sealed by another key); connect the account again',
      }
}

/**
 * A connection whose sealed credentials did not open, as lookups show it: status `error`, the
 * reason in `lastError`, no credentials, and `credentialsUnreadable` so that using it fails with
 * that reason.
 *
 * @param error What `open` threw; anything else is not a sealing failure and is rethrown.
 */
export function unreadableConnection(connection: Connection, error: unknown): Connection {
  if (!isPatchbayError(error) || typeof error.details?.['reason'] !== 'string') throw error
  const unreadable = unreadableCredentials(
    connection.id,
    error.details['reason'],
    error.details['key_id'],
  )
  return {
    ...connection,
    status: 'error',
    lastError: unreadable.reason,
    credentials: {},
    credentialsUnreadable: unreadable,
  }
}
