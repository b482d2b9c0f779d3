import { randomBytes } from 'node:crypto'
import pg from 'pg'

/**
 * The PostgreSQL server the tests use: `PATCHBAY_TEST_POSTGRES_URL`, or the machine's local
 * server (trust authentication, database `test`), which `.ci/run` starts if it has stopped.
 */
export const POSTGRES_URL =
  process.env['PATCHBAY_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test'

/**
 * Whether the PostgreSQL tests run. They are skipped with a warning when the server cannot be
 * reached on a developer's machine, but under `CI=true` an unreachable server fails the run: a
 * store suite that silently did not run is not a passing one.
 */
export async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    await client.query('SELECT 1')
    return true
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error)
    if (process.env['CI'] === 'true') {
      throw new Error(`PostgreSQL at ${POSTGRES_URL} is unreachable (${why}); CI needs it`)
    }
    process.stderr.write(`warning: PostgreSQL tests skipped: ${POSTGRES_URL} unreachable (${why})\n`)
    return false
  } finally {
    await client.end().catch(() => {})
  }
}

let admin: pg.Pool | null = null

/** A pool for the tests' own statements (dropping schemas, ending backends). */
export function adminPool(): pg.Pool {
  if (!admin) {
    admin = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 })
    admin.on('error', () => {})
  }
  return admin
}

/**
 * A schema name no other run uses (the store creates it), so test files and runs in parallel
 * never see each other's rows.
 */
export function freshSchemaName(): string {
  return `pbtest_${process.pid}_${randomBytes(6).toString('hex')}`
}

/** Drops a test schema and everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  if (!/^pbtest_[0-9a-z_]+$/.test(schema)) throw new TypeError(`not a test schema: ${schema}`)
  await adminPool().query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
}

/**
 * The URL of the test server with `?schema=…`, as `PATCHBAY_DB` takes it. Its connections carry
 * the schema as their application name, so {@link terminateBackends} can find them.
 */
export function schemaUrl(schema: string): string {
  const url = new URL(POSTGRES_URL)
  url.searchParams.set('schema', schema)
  url.searchParams.set('application_name', schema)
  return url.href
}

/**
 * Ends every server connection of one test schema's stores (by the application name
 * {@link schemaUrl} gives them), as a crash or restart of the server would, without stopping the
 * server other runs share.
 * @returns how many connections were ended
 */
export async function terminateBackends(schema: string): Promise<number> {
  const { rows } = await adminPool().query<{ ended: boolean }>(
    `SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity
     WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = $1`,
    [schema],
  )
  return rows.filter((row) => row.ended).length
}

/** Closes the admin pool (in an `afterAll`). */
export async function closeAdminPool(): Promise<void> {
  const pool = admin
  admin = null
  await pool?.end()
}

/**
 * Empties every table of a test schema but `schema_migrations`, so one migrated schema serves a
 * file's tests as a fresh store each (creating and migrating a schema per test costs ~0.5 s).
 * Row deletes, not TRUNCATE, so the key-use triggers keep their counts true.
 */
export async function emptySchema(schema: string): Promise<void> {
  if (!/^pbtest_[0-9a-z_]+$/.test(schema)) throw new TypeError(`not a test schema: ${schema}`)
  const { rows } = await adminPool().query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
     WHERE table_schema = $1 AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations'`,
    [schema],
  )
  // Children first: connections refer to integrations.
  const names = rows.map((row) => row.name).sort((a, b) => Number(b === 'connections') - Number(a === 'connections'))
  if (names.length === 0) return
  await adminPool().query(
    `BEGIN; ${names.map((name) => `DELETE FROM "${schema}"."${name}";`).join(' ')} COMMIT;`,
  )
}

/** A TCP relay in front of the test server that a test can cut and restore, as a restart would. */
export interface PostgresRelay {
  /** The test server's URL through the relay, with `?schema=…`. */
  url(schema: string): string
  /** Drops every relayed connection and refuses new ones until {@link restore}. */
  cut(): Promise<void>
  restore(): Promise<void>
  close(): Promise<void>
}

/** Starts a {@link PostgresRelay} on an ephemeral loopback port. */
export async function startPostgresRelay(): Promise<PostgresRelay> {
  const { createServer, connect } = await import('node:net')
  const target = new URL(POSTGRES_URL)
  const sockets = new Set<import('node:net').Socket>()
  let port = 0
  let server: import('node:net').Server | null = null
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = connect(Number(target.port || 5432), target.hostname)
        for (const socket of [client, upstream]) {
          sockets.add(socket)
          socket.on('close', () => sockets.delete(socket))
          socket.on('error', () => {})
        }
        client.pipe(upstream).pipe(client)
        client.on('close', () => upstream.destroy())
        upstream.on('close', () => client.destroy())
      })
      s.once('error', reject)
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as import('node:net').AddressInfo).port
        server = s
        resolve()
      })
    })
  const stop = () =>
    new Promise<void>((resolve) => {
      const s = server
      server = null
      for (const socket of sockets) socket.destroy()
      if (!s) return resolve()
      s.close(() => resolve())
    })
  await listen()
  return {
    url(schema) {
      const url = new URL(schemaUrl(schema))
      url.host = `127.0.0.1:${port}`
      return url.href
    },
    cut: stop,
    restore: listen,
    close: stop,
  }
}
