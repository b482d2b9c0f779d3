import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { PatchbayError, isPatchbayError } from '../../errors.js'
import type { AuthScheme, Connector, JsonObject } from '../../kit/index.js'
import type { Connection, Integration, Store } from '../../store/index.js'
import { redactError, secretValues } from '../redact.js'
import type { FetchLike } from '../fetch/fetch-like.js'
import { schemeRecordOf } from '../schemes/index.js'
import type { RuntimeEvent } from '../events.js'
import type { CredentialManager, GetCredentialsOptions, ResolvedConnection } from './types.js'
import { lostLeaseError, runRefreshAttempt } from './refresh-attempt.js'
import { createRefreshCooldown } from './refresh-cooldown.js'
import { createRefreshFlights } from './refresh-flights.js'
import type { CooldownPolicy } from './refresh-cooldown.js'
import { recoverInterruptedRefreshes } from './refresh-recovery.js'
import type { RecoveryReport } from './refresh-recovery.js'
import { isDueForRefresh, isUnexpired } from './refresh-timing.js'

/** What the credential manager needs to find a connection's connector and reach the network. */
export interface CredentialManagerOptions {
  store: Store
  /**
   * A connection with its integration and connector, in one store read when it can.
   * @throws PatchbayError `not_found` for a missing connection or integration
   */
  resolve: (
    id: string,
  ) => Promise<{ connection: Connection; connector: Connector; integration: Integration }>
  baseUrlOf: (connector: Connector, settings: JsonObject) => string
  fetch: FetchLike
  now: () => number
  /** Seconds before expiry to refresh, unless the scheme says otherwise. */
  refreshMargin: number
  emit: (event: RuntimeEvent) => void
  /** How long a refresh lease lasts, in ms (default 15 000), on the clock of `now`. */
  leaseMs?: number
  /**
   * The deadline of every provider request made under a lease, in ms; shorter than the lease
   * (default: two thirds of it), so no refresh outlives its lease.
   */
  refreshTimeoutMs?: number
  /** The pause after a failed refresh (default: 1 s doubling per failure, at most 5 min). */
  cooldown?: CooldownPolicy
}

export type { CredentialManager, GetCredentialsOptions, ResolvedConnection } from './types.js'

/** Seconds before expiry at which a scheme's credentials should be renewed. */
function marginOf(scheme: AuthScheme, fallback: number): number {
  return schemeRecordOf(scheme).margin(scheme) ?? fallback
}

/** How a refresh is asked for: by a caller (forced after a 401), or ahead by the scheduler. */
interface RenewOptions extends GetCredentialsOptions {
  /** Seconds before expiry the background scheduler refreshes at. */
  ahead?: number
}

/** What a refresh leaves: the stored row with fresh credentials, with its integration and connector. */
interface Renewed {
  connection: Connection
  connector: Connector
  integration: Integration
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
  const leaseMs = options.leaseMs ?? 15_000
  const timeoutMs = options.refreshTimeoutMs ?? Math.floor((leaseMs * 2) / 3)
  if (!(timeoutMs > 0 && timeoutMs < leaseMs)) {
    throw new TypeError(`refreshTimeoutMs (${timeoutMs}) must be positive and below leaseMs (${leaseMs})`)
  }
  const flights = createRefreshFlights<Renewed>()
  const cooldown = createRefreshCooldown(options.cooldown)
  // The lease runs on the runtime's clock (epoch seconds), so tests move it without waiting.
  const nowMs = () => options.now() * 1000

  async function load(id: string): Promise<Connection> {
    const connection = await options.store.getConnection(id)
    if (!connection) throw new PatchbayError('not_found', `Connection "${id}" does not exist`)
    return connection
  }

  function isFresh(connection: Connection, scheme: AuthScheme, ahead = 0): boolean {
    // A connector's own margin (Appmixer's refreshBeforeExp) is its author's call; the default
    // one must not make every call a refresh for short-lived tokens.
    const declared = marginOf(scheme, -1)
    const margin = declared >= 0 ? declared : options.refreshMargin
    // The background scheduler looks further ahead, capped at half the lifetime like the default.
    if (ahead > margin) return !isDueForRefresh(connection, ahead, options.now(), true)
    return !isDueForRefresh(connection, margin, options.now(), declared < 0)
  }

  /** During a cooldown: still-working credentials, or the last refresh error at once. */
  function duringCooldown(connection: Connection, opts: GetCredentialsOptions): JsonObject | null {
    const cooling = cooldown.check(connection.id, connection.credentials, nowMs())
    if (!cooling) return null
    if (!opts.force && isUnexpired(connection, options.now())) return connection.credentials
    throw cooling.error
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

  async function renewUnderLease(id: string, opts: RenewOptions): Promise<Renewed> {
    const deadline = Date.now() + leaseMs
    for (;;) {
      const { connection, connector, integration } = await options.resolve(id)
      assertUsable(connection)
      const settled = opts.force
        ? opts.stale !== undefined && !sameCredentials(opts.stale, connection.credentials)
        : isFresh(connection, connector.auth, opts.ahead)
      const found = { connection, connector, integration }
      if (settled) return found
      if (duringCooldown(connection, opts)) return found
      if (await options.store.acquireRefreshLease(id, holder, leaseMs, nowMs())) {
        try {
          // Re-read under the lease: another process may have refreshed between our read and now.
          const current = await load(id)
          assertUsable(current)
          const done = opts.force
            ? opts.stale !== undefined && !sameCredentials(opts.stale, current.credentials)
            : isFresh(current, connector.auth, opts.ahead)
          if (done) return { connection: current, connector, integration }
          const renewed = await renew(current, connector, integration, opts)
          return { connection: renewed, connector, integration }
        } finally {
          await options.store.releaseRefreshLease(id, holder)
        }
      }
      // Another holder is refreshing: credentials that still work need not wait for it.
      if (!opts.force && isUnexpired(connection, options.now())) return found
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
    opts: RenewOptions,
  ): Promise<Connection> {
    const record = schemeRecordOf(connector.auth)
    if (!record.canRenew(connector.auth, connection.credentials)) {
      // Ahead of expiry, credentials that cannot renew still work: only their expiry ends them.
      if (opts.ahead !== undefined && isUnexpired(connection, options.now())) return connection
      if (connection.expiresAt !== null) return markNeedsReauth(connection, 'no way to renew')
      return connection
    }
    // Stored as last_error and shown to callers: a provider may have echoed a token.
    const secrets = secretValues(connection.credentials)
    if (integration.clientSecret) secrets.push(integration.clientSecret)
    let result
    try {
      result = await runRefreshAttempt({
        store: options.store,
        holder,
        connection,
        renew: (env) => record.renew(env, connector.auth),
        renewable: (credentials) => record.canRenew(connector.auth, credentials),
        env: {
          scheme: connector.auth,
          integration,
          baseUrl: options.baseUrlOf(connector, connection.settings),
          fetch: options.fetch,
          now: options.now(),
        },
        timeoutMs,
        nowMs: nowMs(),
        redact: (error) => redactError(error, secrets),
      })
    } catch (error) {
      const message = isPatchbayError(error) ? error.message : 'refresh failed'
      if (isPatchbayError(error, 'needs_reauth')) {
        options.emit({ type: 'connection.needs_reauth', connectionId: connection.id, reason: message })
        throw new PatchbayError(
          'needs_reauth',
          `Connection "${connection.id}" needs the user to authorize again: ${message}`,
          { ...(error.details ? { details: error.details } : {}) },
        )
      }
      cooldown.failed(connection.id, connection.credentials, error, nowMs())
      options.emit({ type: 'refresh.failed', connectionId: connection.id, reason: message })
      throw error
    }
    if (!result.stored) {
      // The lease was taken over: the newer holder's credentials win over ours.
      const current = result.current
      if (current?.status === 'active' && !sameCredentials(current.credentials, connection.credentials)) {
        return current
      }
      throw lostLeaseError(connection.id)
    }
    cooldown.succeeded(connection.id)
    options.emit({ type: 'connection.refreshed', connectionId: connection.id })
    return result.connection
  }

  async function markNeedsReauth(connection: Connection, reason: string): Promise<never> {
    await options.store.updateConnection(connection.id, { status: 'needs_reauth', lastError: reason })
    options.emit({ type: 'connection.needs_reauth', connectionId: connection.id, reason })
    throw new PatchbayError(
      'needs_reauth',
      `Connection "${connection.id}" needs the user to authorize again: ${reason}`,
    )
  }

  /** The refresh of a connection, shared by every caller in this process while it runs. */
  function renewOnce(id: string, opts: RenewOptions): Promise<Renewed> {
    return flights.run(id, opts.force === true, () => renewUnderLease(id, opts))
  }

  /** Fresh credentials for a connection, refreshing first when they are near expiry. */
  async function getCredentials(id: string, opts: GetCredentialsOptions = {}): Promise<JsonObject> {
    if (!opts.force) {
      // A refresh is running: its answer is what a read would lead to, without the read.
      const running = flights.joinable(id)
      if (running) return (await running).connection.credentials
      const { connection, connector } = await options.resolve(id)
      assertUsable(connection)
      if (isFresh(connection, connector.auth)) return connection.credentials
    }
    return (await renewOnce(id, opts)).connection.credentials
  }

  /** The connection, its integration and connector, and fresh credentials, each read once. */
  async function resolve(id: string): Promise<ResolvedConnection> {
    const running = flights.joinable(id)
    if (running) return resolvedFrom(await running)
    const { connection, connector, integration } = await options.resolve(id)
    assertUsable(connection)
    if (isFresh(connection, connector.auth)) {
      return { connection, integration, connector, credentials: connection.credentials }
    }
    // The refresh hands back the row it stored (or found stored by another process).
    return resolvedFrom(await renewOnce(id, {}))
  }

  function resolvedFrom(renewed: Renewed): ResolvedConnection {
    return { ...renewed, credentials: renewed.connection.credentials }
  }

  /**
   * Retries every refresh that was sent but whose answer was never stored (the process died in
   * between), once the dead holder's lease has run out: a provider with a reuse grace period
   * accepts the previous refresh token again (issue 8 item 8).
   */
  function recoverInterrupted(signal?: AbortSignal): Promise<RecoveryReport> {
    return recoverInterruptedRefreshes({
      store: options.store,
      renew: async (id) => {
        const connection = await options.store.getConnection(id)
        if (!connection?.refreshAttempt) return
        await getCredentials(id, { force: true, stale: connection.credentials })
      },
      nowMs,
      ...(signal ? { signal } : {}),
    })
  }

  /**
   * Refreshes a connection whose credentials expire within `aheadSeconds` (at most half their
   * lifetime), for the background scheduler: the same flight, lease, cooldown and events as a
   * request's refresh, so a request arriving meanwhile joins it. Credentials that are not due, a
   * refresh another process holds, or a cooldown leave it as it is.
   * @returns whether the stored credentials changed
   * @throws PatchbayError `needs_reauth` (after `invalid_grant`), or the refresh's error
   */
  async function refreshAhead(id: string, aheadSeconds: number): Promise<boolean> {
    const before = flights.joinable(id) ? null : await options.store.getConnection(id)
    const renewed = await flights.run(id, false, () => renewUnderLease(id, { ahead: aheadSeconds }))
    return before === null || !sameCredentials(before.credentials, renewed.connection.credentials)
  }

  return { getCredentials, resolve, recoverInterrupted, refreshAhead }
}

