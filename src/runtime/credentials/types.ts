import type { Connector, JsonObject } from '../../kit/index.js'
import type { Connection, Integration } from '../../store/index.js'
import type { RecoveryReport } from './refresh-recovery.js'

export interface GetCredentialsOptions {
  /** Refresh even if not near expiry (after a 401). */
  force?: boolean
  /** The credentials that just failed; a refresh is skipped if the stored ones already differ. */
  stale?: JsonObject
}

/**
 * A stored connection with everything needed to call its provider, read once: the connection,
 * its integration (app credentials included) and connector, and fresh credentials.
 */
export interface ResolvedConnection {
  /** The stored connection; its `credentials` are the fresh ones below. */
  connection: Connection
  /** The connection's integration, with its client id and secret in plaintext. */
  integration: Integration
  /** The integration's connector. */
  connector: Connector
  /** Fresh credentials (refreshed first when near expiry), the same object as `connection.credentials`. */
  credentials: JsonObject
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
   * As {@link getCredentials}, with the connection, integration and connector it read: one read
   * of each when the credentials are fresh.
   * @throws PatchbayError `not_found`, `needs_reauth`, or the provider's error
   */
  resolve(id: string): Promise<ResolvedConnection>
  /**
   * Retries the refreshes a crash left unsettled, once their dead holders' leases run out
   * (docs/reliability.md); stops early when `signal` aborts.
   */
  recoverInterrupted(signal?: AbortSignal): Promise<RecoveryReport>
  /**
   * Refreshes a connection whose credentials expire within `aheadSeconds` (capped at half
   * their lifetime), through the same single flight, lease and cooldown as a request's refresh;
   * for the background scheduler. Resolves to whether the stored credentials changed.
   * @throws PatchbayError `needs_reauth` (the provider said `invalid_grant`), or the refresh's error
   */
  refreshAhead(id: string, aheadSeconds: number): Promise<boolean>
}
