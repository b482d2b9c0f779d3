import { createHash, randomUUID } from 'node:crypto'
import { PatchbayError, isPatchbayError } from '../../errors.js'
import type { JsonObject } from '../../kit/index.js'
import type { Connection, ConnectionStore, RefreshFence, RefreshLeaseStore } from '../../store/index.js'
import { startDeadline } from './refresh-deadline.js'
import type { IssuedCredentials, RenewEnv } from './token-endpoint.js'

/** The store aggregates a refresh writes to. */
type Store = ConnectionStore & RefreshLeaseStore

/** What one refresh under a held lease needs. */
export interface RefreshAttemptInput {
  store: Store
  /** The lease holder: the final write happens only while it still holds the lease. */
  holder: string
  /** The connection as read under the lease. */
  connection: Connection
  env: Omit<RenewEnv, 'credentials' | 'settings'>
  /** The scheme's renewal (its record's `renew`). */
  renew: (env: RenewEnv) => Promise<IssuedCredentials>
  /** Whether new credentials can be renewed in turn (the scheme record's `canRenew`). */
  renewable?: (credentials: JsonObject) => boolean
  /** Every provider request of the attempt ends by then: shorter than the lease. */
  timeoutMs: number
  /** Epoch milliseconds, the runtime's clock. */
  nowMs: number
  /** Masks secrets in an error before it is stored or thrown. */
  redact: (error: unknown) => unknown
}

/** How an attempt ended when it did not throw. */
export type RefreshAttemptResult =
  | { stored: true; connection: Connection }
  /** The lease was lost before the write: nothing was written, `current` is what is stored. */
  | { stored: false; current: Connection | null }

/** SHA-256 of the refresh token in a set of credentials, or null when there is none. */
function refreshTokenDigest(credentials: JsonObject): string | null {
  const token = credentials['refreshToken']
  return typeof token === 'string' ? createHash('sha256').update(token).digest('hex') : null
}

/**
 * Whether a failed refresh may have been answered, and so may have rotated the refresh token
 * at the provider: a timeout, or a request whose answer never arrived. Its attempt is then kept
 * recorded, so the next try knows it is a retry.
 */
function outcomeUnknown(error: unknown): boolean {
  if (isPatchbayError(error, 'timeout')) return true
  return isPatchbayError(error, 'provider_error') && error.details?.['status'] === undefined
}

/**
 * Runs one refresh under a held lease, durably: the attempt is recorded before the request is
 * sent; the answer is stored in one conditional write straight after it is read (no other
 * request in between) that also clears the attempt, and only while `holder` still holds the
 * lease (issue 8 items 7 and 8).
 * @throws the refresh's error (`timeout`, `provider_error`, `needs_reauth`…), after recording it
 */
export async function runRefreshAttempt(input: RefreshAttemptInput): Promise<RefreshAttemptResult> {
  const { store, holder, connection } = input
  const attempt = {
    id: randomUUID(),
    startedAt: input.nowMs,
    tokenDigest: refreshTokenDigest(connection.credentials),
  }
  if (!(await store.recordRefreshAttempt(connection.id, holder, attempt))) {
    return { stored: false, current: await store.getConnection(connection.id) }
  }
  const fence: RefreshFence = { holder, attemptId: attempt.id }
  const deadline = startDeadline(input.env.fetch, input.timeoutMs)
  let issued
  try {
    issued = await input.renew({
      ...input.env,
      settings: connection.settings,
      credentials: connection.credentials,
      fetch: deadline.fetch,
    })
  } catch (caught) {
    const error = input.redact(deadline.explain(caught))
    await recordFailure(store, connection, fence, error)
    throw error
  }
  const stored = await store.settleRefresh(connection.id, fence, {
    credentials: issued.credentials,
    expiresAt: issued.expiresAt,
    issuedAt: input.env.now,
    status: 'active',
    lastError: null,
    ...(input.renewable ? { renewable: input.renewable(issued.credentials) } : {}),
  })
  if (stored) return { stored: true, connection: stored }
  return { stored: false, current: await store.getConnection(connection.id) }
}

async function recordFailure(
  store: Store,
  connection: Connection,
  fence: RefreshFence,
  error: unknown,
): Promise<void> {
  const message = isPatchbayError(error) ? error.message : 'refresh failed'
  if (isPatchbayError(error, 'needs_reauth')) {
    const retried = connection.refreshAttempt !== null
    const reason = retried
      ? `${message}; an earlier refresh was interrupted before its answer was stored, and the provider does not accept the previous refresh token again`
      : message
    await store.settleRefresh(connection.id, fence, { status: 'needs_reauth', lastError: reason })
    return
  }
  if (outcomeUnknown(error)) {
    // The provider may have rotated the token: keep the attempt, so the next try is a retry.
    await store.updateConnection(connection.id, { lastError: message })
    return
  }
  await store.settleRefresh(connection.id, fence, { lastError: message })
}

/** A refresh error that should reach a caller when the lease was lost mid-refresh. */
export function lostLeaseError(id: string): PatchbayError {
  return new PatchbayError(
    'timeout',
    `The refresh of "${id}" outlived its lease and was discarded; another refresh took over`,
  )
}
