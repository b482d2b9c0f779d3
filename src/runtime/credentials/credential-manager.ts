import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { PatchbayError, isPatchbayError } from '../../errors.js'
import type { AuthScheme, Connector, JsonObject } from '../../kit/index.js'
import type { Connection, Integration, Store } from '../../store/index.js'
import { redactError, secretValues } from '../redact.js'
import type { FetchLike } from '../fetch/fetch-like.js'
import { schemeRecordOf } from '../schemes/index.js'
import type { RuntimeEvent } from '../events.js'
import type { CredentialManager, GetCredentialsOptions } from './types.js'

/** What the credential manager needs to find a connection's connector and reach the network. */
export interface CredentialManagerOptions {
  store: Store
  resolve: (connection: Connection) => Promise<{ connector: Connector; integration: Integration }>
  baseUrlOf: (connector: Connector, settings: JsonObject) => string
  fetch: FetchLike
  now: () => number
  /** Seconds before expiry to refresh, unless the scheme says otherwise. */
  refreshMargin: number
  emit: (event: RuntimeEvent) => void
  /** How long a refresh lease lasts, in ms: longer than any token request should take. */
  leaseMs?: number
}

export type { CredentialManager, GetCredentialsOptions } from './types.js'

/** Seconds before expiry at which a scheme's credentials should be renewed. */
export function marginOf(scheme: AuthScheme, fallback: number): number {
  return schemeRecordOf(scheme).margin(scheme) ?? fallback
}

function sameCredentials(a: JsonObject, b: JsonObject): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

/**
 * Hands out fresh credentials. The only place that decides to refresh: a margin before expiry,
 * or when forced after a 401; one refresh per connection at a time, shared by concurrent callers
 * in this process and serialized across processes by the store's lease; the rotated refresh
 * token is saved before the lease is released.
 */
export function createCredentialManager(options: CredentialManagerOptions): CredentialManager {
  const holder = randomUUID()
  const leaseMs = options.leaseMs ?? 30_000
  const inFlight = new Map<string, Promise<JsonObject>>()

  async function load(id: string): Promise<Connection> {
    const connection = await options.store.getConnection(id)
    if (!connection) throw new PatchbayError('not_found', `Connection "${id}" does not exist`)
    return connection
  }

  function isFresh(connection: Connection, scheme: AuthScheme): boolean {
    if (connection.expiresAt === null) return true
    return connection.expiresAt - marginOf(scheme, options.refreshMargin) > options.now()
  }

  function assertUsable(connection: Connection) {
    const unreadable = connection.credentialsUnreadable
    if (unreadable) throw new PatchbayError(unreadable.code, unreadable.reason)
    if (connection.status === 'needs_reauth') {
      throw new PatchbayError(
        'needs_reauth',
        `Connection "${connection.id}" needs the user to authorize again`,
      )
    }
  }

  async function renewUnderLease(id: string, opts: GetCredentialsOptions): Promise<JsonObject> {
    const deadline = Date.now() + leaseMs
    for (;;) {
      const connection = await load(id)
      assertUsable(connection)
      const { connector, integration } = await options.resolve(connection)
      const settled = opts.force
        ? opts.stale !== undefined && !sameCredentials(opts.stale, connection.credentials)
        : isFresh(connection, connector.auth)
      if (settled) return connection.credentials
      if (await options.store.acquireRefreshLease(id, holder, leaseMs)) {
        try {
          // Re-read under the lease: another process may have refreshed between our read and now.
          const current = await load(id)
          assertUsable(current)
          const done = opts.force
            ? opts.stale !== undefined && !sameCredentials(opts.stale, current.credentials)
            : isFresh(current, connector.auth)
          if (done) return current.credentials
          return await renew(current, connector, integration)
        } finally {
          await options.store.releaseRefreshLease(id, holder)
        }
      }
      if (Date.now() > deadline) {
        throw new PatchbayError('timeout', `Timed out waiting for another refresh of "${id}"`)
      }
      await sleep(20 + Math.random() * 30)
    }
  }

  async function renew(
    connection: Connection,
    connector: Connector,
    integration: Integration,
  ): Promise<JsonObject> {
    const record = schemeRecordOf(connector.auth)
    if (!record.canRenew(connector.auth, connection.credentials)) {
      if (connection.expiresAt !== null) return markNeedsReauth(connection, 'no way to renew')
      return connection.credentials
    }
    try {
      const issued = await record.renew({
        scheme: connector.auth,
        integration,
        settings: connection.settings,
        credentials: connection.credentials,
        baseUrl: options.baseUrlOf(connector, connection.settings),
        fetch: options.fetch,
        now: options.now(),
      }, connector.auth)
      await options.store.updateConnection(connection.id, {
        credentials: issued.credentials,
        expiresAt: issued.expiresAt,
        status: 'active',
        lastError: null,
      })
      options.emit({ type: 'connection.refreshed', connectionId: connection.id })
      return issued.credentials
    } catch (caught) {
      // Stored as last_error and shown to callers: a provider may have echoed a token.
      const secrets = secretValues(connection.credentials)
      if (integration.clientSecret) secrets.push(integration.clientSecret)
      const error = redactError(caught, secrets)
      if (isPatchbayError(error, 'needs_reauth')) return markNeedsReauth(connection, error.message)
      const message = isPatchbayError(error) ? error.message : 'refresh failed'
      await options.store.updateConnection(connection.id, { lastError: message })
      options.emit({ type: 'refresh.failed', connectionId: connection.id, reason: message })
      throw error
    }
  }

  async function markNeedsReauth(connection: Connection, reason: string): Promise<never> {
    await options.store.updateConnection(connection.id, { status: 'needs_reauth', lastError: reason })
    options.emit({ type: 'connection.needs_reauth', connectionId: connection.id, reason })
    throw new PatchbayError(
      'needs_reauth',
      `Connection "${connection.id}" needs the user to authorize again: ${reason}`,
    )
  }

  /** Fresh credentials for a connection, refreshing first when they are near expiry. */
  async function getCredentials(id: string, opts: GetCredentialsOptions = {}): Promise<JsonObject> {
    if (!opts.force) {
      const connection = await load(id)
      assertUsable(connection)
      const { connector } = await options.resolve(connection)
      if (isFresh(connection, connector.auth)) return connection.credentials
    }
    const pending = inFlight.get(id)
    if (pending) return pending
    const flight = renewUnderLease(id, opts).finally(() => inFlight.delete(id))
    inFlight.set(id, flight)
    return flight
  }

  return { getCredentials }
}

