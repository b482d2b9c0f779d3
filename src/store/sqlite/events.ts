import type Database from 'better-sqlite3'
import { assertPageSize } from '../cursor.js'
import type { ConnectionCount, ConnectionEvent, ConnectionEventCount, OperatorSession, Store } from '../types.js'

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

/** The Store methods of the event log and operator sessions, as implemented on SQLite. */
type SqliteEventMethods = Pick<
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

/** Prepares the event log and session statements on an open, migrated database. */
export function sqliteEventMethods(db: Database.Database): SqliteEventMethods {
  const sql = {
    insert: db.prepare<[string, string | null, string, string | null, number], EventRow>(
      `INSERT INTO connection_events (connection_id, integration_id, type, reason, created_at)
       VALUES (?, ?, ?, ?, ?) RETURNING *`,
    ),
    // The id of the newest event past the kept ones; everything up to it goes.
    trim: db.prepare<{ connectionId: string; keep: number }>(
      `DELETE FROM connection_events WHERE connection_id = @connectionId AND id <= (
         SELECT id FROM connection_events WHERE connection_id = @connectionId
         ORDER BY id DESC LIMIT 1 OFFSET @keep)`,
    ),
    page: db.prepare<[string, number, number], EventRow>(
      `SELECT * FROM connection_events WHERE connection_id = ? AND id < ? ORDER BY id DESC LIMIT ?`,
    ),
    count: db.prepare<{ since: number; bucket: number }, { bucket_start: number; type: string; count: number }>(
      // A bound JS number is a REAL to SQLite: cast, so that the division truncates.
      `SELECT (created_at / CAST(@bucket AS INTEGER)) * CAST(@bucket AS INTEGER) AS bucket_start, type, count(*) AS count
       FROM connection_events WHERE created_at >= @since
       GROUP BY bucket_start, type ORDER BY bucket_start, type`,
    ),
    prune: db.prepare<[number]>('DELETE FROM connection_events WHERE created_at < ?'),
    countConnections: db.prepare<[], { integration_id: string; status: ConnectionCount['status']; count: number }>(
      `SELECT integration_id, status, count(*) AS count FROM connections
       GROUP BY integration_id, status ORDER BY integration_id, status`,
    ),
    createSession: db.prepare<[string, string, number, number]>(
      `INSERT INTO operator_sessions (token_hash, caller_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
    ),
    findSession: db.prepare<[string, number], SessionRow>(
      'SELECT * FROM operator_sessions WHERE token_hash = ? AND expires_at > ?',
    ),
    forgetExpired: db.prepare<[number]>('DELETE FROM operator_sessions WHERE expires_at <= ?'),
    deleteSession: db.prepare<[string]>('DELETE FROM operator_sessions WHERE token_hash = ?'),
  }
  const record = db.transaction((event: Omit<ConnectionEvent, 'id'>, keep: number) => {
    const row = sql.insert.get(event.connectionId, event.integrationId, event.type, event.reason, event.createdAt)!
    sql.trim.run({ connectionId: event.connectionId, keep })
    return toEvent(row)
  })

  return {
    async recordConnectionEvent(event, keepPerConnection) {
      if (!Number.isInteger(keepPerConnection) || keepPerConnection < 1) {
        throw new TypeError(`keepPerConnection must be a positive integer, got ${keepPerConnection}`)
      }
      return record(event, keepPerConnection)
    },
    async pageConnectionEvents(connectionId, query) {
      assertPageSize(query.limit)
      const rows = sql.page.all(connectionId, query.before ?? Number.MAX_SAFE_INTEGER, query.limit + 1)
      const more = rows.length > query.limit
      const events = (more ? rows.slice(0, query.limit) : rows).map(toEvent)
      return { events, nextCursor: more ? (events.at(-1)?.id ?? null) : null }
    },
    async countConnectionEvents(since, bucketSeconds): Promise<ConnectionEventCount[]> {
      return sql.count
        .all({ since, bucket: bucketSeconds })
        .map((row) => ({ bucketStart: row.bucket_start, type: row.type, count: row.count }))
    },
    async pruneConnectionEvents(before) {
      return sql.prune.run(before).changes
    },
    async countConnections() {
      return sql.countConnections
        .all()
        .map((row) => ({ integrationId: row.integration_id, status: row.status, count: row.count }))
    },
    async createOperatorSession(session) {
      sql.createSession.run(session.tokenHash, session.callerId, session.createdAt, session.expiresAt)
    },
    async findOperatorSession(tokenHash, now) {
      sql.forgetExpired.run(now)
      const row = sql.findSession.get(tokenHash, now)
      return row ? toSession(row) : null
    },
    async deleteOperatorSession(tokenHash) {
      return sql.deleteSession.run(tokenHash).changes > 0
    },
  }
}
