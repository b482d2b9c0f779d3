import { assertPageSize } from '../cursor.js'
import type { ConnectionCount, ConnectionEvent, OperatorSession, Store } from '../types.js'
import type { Database } from './database.js'

interface EventRow {
  id: number
  connection_id: string
  integration_id: string | null
  type: string
  reason: string | null
  created_at: number
}

interface SessionRow {
  token_hash: string
  caller_id: string
  created_at: number
  expires_at: number
}

/** The Store methods of the event log and operator sessions, as implemented on PostgreSQL. */
type PgEventMethods = Pick<
  Store,
  | 'recordConnectionEvent'
  | 'pageConnectionEvents'
  | 'countConnectionEvents'
  | 'pruneConnectionEvents'
  | 'countConnections'
  | 'createOperatorSession'
  | 'findOperatorSession'
  | 'deleteOperatorSession'
>

function toEvent(row: EventRow): ConnectionEvent {
  return {
    id: row.id,
    connectionId: row.connection_id,
    integrationId: row.integration_id,
    type: row.type,
    reason: row.reason,
    createdAt: row.created_at,
  }
}

function toSession(row: SessionRow): OperatorSession {
  return {
    tokenHash: row.token_hash,
    callerId: row.caller_id,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  }
}

/** The event log and session methods on a migrated PostgreSQL database. */
export function pgEventMethods(db: Database): PgEventMethods {
  return {
    async recordConnectionEvent(event, keepPerConnection) {
      if (!Number.isInteger(keepPerConnection) || keepPerConnection < 1) {
        throw new TypeError(`keepPerConnection must be a positive integer, got ${keepPerConnection}`)
      }
      return db.transaction(async (tx) => {
        const [row] = await tx.query<EventRow>(
          `INSERT INTO connection_events (connection_id, integration_id, type, reason, created_at)
           VALUES ($1, $2, $3, $4, $5) RETURNING *`,
          [event.connectionId, event.integrationId, event.type, event.reason, event.createdAt],
        )
        // The id of the newest event past the kept ones; everything up to it goes.
        await tx.run(
          `DELETE FROM connection_events WHERE connection_id = $1 AND id <= (
             SELECT id FROM connection_events WHERE connection_id = $1
             ORDER BY id DESC LIMIT 1 OFFSET $2)`,
          [event.connectionId, keepPerConnection],
        )
        return toEvent(row!)
      })
    },
    async pageConnectionEvents(connectionId, query) {
      assertPageSize(query.limit)
      const rows = await db.query<EventRow>(
        `SELECT * FROM connection_events WHERE connection_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3`,
        [connectionId, query.before ?? Number.MAX_SAFE_INTEGER, query.limit + 1],
      )
      const more = rows.length > query.limit
      const events = (more ? rows.slice(0, query.limit) : rows).map(toEvent)
      return { events, nextCursor: more ? (events.at(-1)?.id ?? null) : null }
    },
    async countConnectionEvents(since, bucketSeconds) {
      const rows = await db.query<{ bucket_start: number; type: string; count: number }>(
        `SELECT (created_at / $2) * $2 AS bucket_start, type, count(*) AS count
         FROM connection_events WHERE created_at >= $1
         GROUP BY bucket_start, type ORDER BY bucket_start, type`,
        [since, bucketSeconds],
      )
      return rows.map((row) => ({ bucketStart: Number(row.bucket_start), type: row.type, count: Number(row.count) }))
    },
    async pruneConnectionEvents(before) {
      return db.run('DELETE FROM connection_events WHERE created_at < $1', [before])
    },
    async countConnections() {
      const rows = await db.query<{ integration_id: string; status: ConnectionCount['status']; count: number }>(
        `SELECT integration_id, status, count(*) AS count FROM connections
         GROUP BY integration_id, status ORDER BY integration_id, status`,
      )
      return rows.map((row) => ({ integrationId: row.integration_id, status: row.status, count: Number(row.count) }))
    },
    async createOperatorSession(session) {
      await db.run(
        'INSERT INTO operator_sessions (token_hash, caller_id, created_at, expires_at) VALUES ($1, $2, $3, $4)',
        [session.tokenHash, session.callerId, session.createdAt, session.expiresAt],
      )
    },
    async findOperatorSession(tokenHash, now) {
      await db.run('DELETE FROM operator_sessions WHERE expires_at <= $1', [now])
      const [row] = await db.query<SessionRow>(
        'SELECT * FROM operator_sessions WHERE token_hash = $1 AND expires_at > $2',
        [tokenHash, now],
      )
      return row ? toSession(row) : null
    },
    async deleteOperatorSession(tokenHash) {
      return (await db.run('DELETE FROM operator_sessions WHERE token_hash = $1', [tokenHash])) > 0
    },
  }
}
