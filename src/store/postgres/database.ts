import type pg from 'pg'
import type { PoolClient, QueryResultRow } from 'pg'
import { PatchbayError, isPatchbayError } from '../../errors.js'

/** What the store's statements run on: the pool, or one client inside a transaction. */
export interface Queryable {
  query<R extends QueryResultRow>(text: string, values?: unknown[]): Promise<R[]>
  /** The number of rows the statement changed. */
  run(text: string, values?: unknown[]): Promise<number>
}

/** A pool with Patchbay's error rules: connection failures become `store_unavailable`. */
export interface Database extends Queryable {
  /** Runs `work` in one transaction on one client: committed if it returns, rolled back if not. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>
  /** A client of its own, for session-level work (migrations under an advisory lock). */
  withClient<T>(work: (client: PoolClient) => Promise<T>): Promise<T>
  close(): Promise<void>
}

// SQLSTATE classes and codes that mean the server went away or will not take us now.
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300', '53400'])
const UNAVAILABLE_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
])
const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'Client has encountered a connection error',
  'Client was closed and is not queryable',
]

/**
 * Why a driver error means the database cannot be reached (a SQLSTATE, an errno, or
 * `connection_lost`), or null when it is an ordinary query error.
 */
export function unavailableReason(error: unknown): string | null {
  if (typeof error !== 'object' || error === null) return null
  const { code, message } = error as { code?: unknown; message?: unknown }
  if (typeof code === 'string') {
    if (code.startsWith('08') || UNAVAILABLE_STATES.has(code)) return code
    if (UNAVAILABLE_ERRNOS.has(code)) return code
  }
  if (typeof message === 'string') {
    if (message.includes('timeout expired')) return 'connect_timeout'
    // pg-pool's words when every connection stayed busy for the whole queue timeout.
    if (message.includes('timeout exceeded when trying to connect')) return 'busy'
    if (UNAVAILABLE_MESSAGES.some((m) => message.includes(m))) return 'connection_lost'
  }
  // Several addresses tried at once (localhost as ::1 and 127.0.0.1) fail as one AggregateError.
  if (error instanceof AggregateError) {
    return error.errors.map(unavailableReason).find((reason) => reason !== null) ?? null
  }
  return null
}

/**
 * The error a caller sees for a driver failure. A lost or refused connection is
 * `store_unavailable` (HTTP 503), which callers may retry; its message names only the reason
 * code, never the connection string, host or a statement's values. Other errors pass through.
 */
export function storeError(error: unknown): unknown {
  if (isPatchbayError(error)) return error
  const reason = unavailableReason(error)
  if (reason === null) return error
  return new PatchbayError(
    'store_unavailable',
    `The database is unavailable (PostgreSQL: ${reason}); try again shortly`,
    { details: { reason }, cause: error },
  )
}

function wrap(client: { query: pg.Pool['query'] } | PoolClient): Queryable {
  return {
    async query<R extends QueryResultRow>(text: string, values?: unknown[]) {
      try {
        return (await client.query<R>(text, values)).rows
      } catch (error) {
        throw storeError(error)
      }
    },
    async run(text: string, values?: unknown[]) {
      try {
        return (await client.query(text, values)).rowCount ?? 0
      } catch (error) {
        throw storeError(error)
      }
    },
  }
}

// BIGINT columns hold epoch seconds and milliseconds, far below 2^53: read them as numbers.
const INT8_OID = 20

/** Options of {@link openDatabase}. */
export interface DatabaseOptions {
  /** `postgres://user:password@host:port/database`. */
  connectionString: string
  /** The schema every statement runs in (its `search_path`). */
  schema: string
  /** At most this many connections (default 10). */
  maxConnections?: number
  /** How long a new connection may take before failing `store_unavailable` (default 5000 ms). */
  connectTimeoutMs?: number
  /**
   * How long a statement may wait for a free connection of the pool, all in use, before failing
   * `store_unavailable` with reason `busy` (default 60 000 ms).
   */
  queueTimeoutMs?: number
}

/**
 * A pool of connections to PostgreSQL, each with its `search_path` set to the schema. A
 * connection the server drops is replaced by the pool on next use, so the store recovers by
 * itself once the server is back; meanwhile statements fail `store_unavailable`.
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  // Loaded on first use: a process on SQLite never pays for the driver.
  const { default: pg } = await import('pg')
  const types = {
    getTypeParser(oid: number, format?: 'text' | 'binary') {
      if (oid === INT8_OID && format !== 'binary') return (value: string) => Number(value)
      return pg.types.getTypeParser(oid, format ?? 'text')
    },
  }
  const connectTimeoutMs = options.connectTimeoutMs ?? 5000
  // The pool's own timeout also bounds the wait for a free connection, which under load is
  // queueing, not an outage: it gets a long bound, and each new connection its own short one.
  class Client extends pg.Client {
    constructor(config: pg.ClientConfig = {}) {
      super({ ...config, connectionTimeoutMillis: connectTimeoutMs })
    }
  }
  const pool = new pg.Pool({
    Client,
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.queueTimeoutMs ?? 60_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    // Schema names are checked to be plain identifiers before they get here.
    options: `-c search_path=${options.schema}`,
    types,
    application_name: 'patchbay',
  })
  // An idle connection the server ends (a restart, pg_terminate_backend) is reported here; the
  // pool drops it. Without a listener the error would end the process.
  pool.on('error', () => {})
  let closed = false
  const direct = wrap(pool)

  function assertOpen() {
    if (closed) throw new PatchbayError('internal', 'The store is closed')
  }

  async function connect(): Promise<PoolClient> {
    assertOpen()
    let client: PoolClient
    try {
      client = await pool.connect()
    } catch (error) {
      throw storeError(error)
    }
    // A checked-out client has no pool listener: a connection lost between two statements of a
    // transaction would be an unhandled 'error' that ends the process. The next statement on it
    // fails `store_unavailable` instead, and the client is destroyed on release.
    const ignore = () => {}
    client.on('error', ignore)
    const release = client.release.bind(client)
    client.release = (destroy?: boolean | Error) => {
      client.off('error', ignore)
      return release(destroy)
    }
    return client
  }

  return {
    async query(text, values) {
      assertOpen()
      return direct.query(text, values)
    },
    async run(text, values) {
      assertOpen()
      return direct.run(text, values)
    },
    async transaction(work) {
      const client = await connect()
      const tx = wrap(client)
      let broken: unknown
      try {
        await tx.run('BEGIN')
        const result = await work(tx)
        await tx.run('COMMIT')
        return result
      } catch (error) {
        if (unavailableReason((error as { cause?: unknown })?.cause ?? error) !== null) {
          broken = error
        } else {
          await client.query('ROLLBACK').catch((rollback: unknown) => {
            broken = rollback
          })
        }
        throw error
      } finally {
        // A client whose connection failed is destroyed, not handed to the next caller.
        client.release(broken === undefined ? undefined : true)
      }
    },
    async withClient(work) {
      const client = await connect()
      let broken = false
      try {
        return await work(client)
      } catch (error) {
        broken = unavailableReason(error) !== null
        throw storeError(error)
      } finally {
        client.release(broken || undefined)
      }
    },
    async close() {
      if (closed) return
      closed = true
      await pool.end()
    },
  }
}
