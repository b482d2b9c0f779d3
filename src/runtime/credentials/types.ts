import type { JsonObject } from '../../kit/index.js'
import type { RecoveryReport } from './refresh-recovery.js'

export interface GetCredentialsOptions {
  /** Refresh even if not near expiry (after a 401). */
  force?: boolean
  /** The credentials that just failed; a refresh is skipped if the stored ones already differ. */
  stale?: JsonObject
}

/**
 * Hands out fresh credentials. The only place that decides to refresh: a margin before expiry,
 * or when forced after a 401; one refresh per connection at a time, shared by concurrent callers
 * in this process and serialized across processes by the store's lease.
 */
export interface CredentialManager {
  /**
   * Fresh credentials for a connection, refreshing first when they are near expiry.
   * @throws PatchbayError `not_found`, `needs_reauth`, or the provider's error
   */
  getCredentials(id: string, options?: GetCredentialsOptions): Promise<JsonObject>
  /**
   * Retries the refreshes a crash left unsettled, once their dead holders' leases run out
   * (docs/reliability.md); stops early when `signal` aborts.
   */
  recoverInterrupted(signal?: AbortSignal): Promise<RecoveryReport>
}
