import type { Connection } from '../../store/index.js'

/**
 * The margin actually used for a connection: the configured one, but never more than half the
 * lifetime of its current credentials. With the default 300 s and a provider issuing 60 s tokens,
 * an uncapped margin would make every call a refresh (issue 8 item 7).
 */
function effectiveMargin(connection: Pick<Connection, 'expiresAt' | 'issuedAt'>, margin: number): number {
  const { expiresAt, issuedAt } = connection
  if (expiresAt === null || issuedAt === null || expiresAt <= issuedAt) return margin
  return Math.min(margin, (expiresAt - issuedAt) / 2)
}

/**
 * Whether a connection's credentials should be renewed at `now` (epoch seconds): inside the
 * margin before expiry, or with a refresh attempt whose result was never stored. A margin the
 * connector declared itself is taken as declared (`capped: false`); the runtime's default is
 * capped at half the lifetime.
 */
export function isDueForRefresh(
  connection: Pick<Connection, 'expiresAt' | 'issuedAt' | 'refreshAttempt'>,
  margin: number,
  now: number,
  capped = true,
): boolean {
  if (connection.refreshAttempt !== null) return true
  if (connection.expiresAt === null) return false
  return connection.expiresAt - (capped ? effectiveMargin(connection, margin) : margin) <= now
}

/** Whether the credentials still work at `now`, margin or not (null expiry: they do not expire). */
export function isUnexpired(connection: Pick<Connection, 'expiresAt'>, now: number): boolean {
  return connection.expiresAt === null || connection.expiresAt > now
}
