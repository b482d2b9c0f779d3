import type { PoolClient } from 'pg'
import { SEALED_COLUMNS } from '../sealed-columns.js'

/** One schema change. Versions only grow; an applied migration is never edited. */
export interface PgMigration {
  version: number
  name: string
  sql: string
}

/**
 * The key-use counting of SQLite's migration 6 as one trigger function: `sealing_key_uses`
 * counts, per key reference (`pb2.<fingerprint>`), the values of every sealed column, so the
 * start-up check reads a handful of rows instead of scanning every table. The column is the
 * trigger's argument; a write that keeps the key touches no counter, so the hot row of the
 * primary key is not a point every credential write waits on.
 */
function sealingKeyUsesSql(): string {
  const triggers = SEALED_COLUMNS.map(({ table, column }) => {
    const name = `${table}_${column}_key_use`
    return `
      CREATE TRIGGER ${name}_insert AFTER INSERT ON ${table}
        FOR EACH ROW EXECUTE FUNCTION sealing_key_use('${column}');
      CREATE TRIGGER ${name}_update AFTER UPDATE OF ${column} ON ${table}
        FOR EACH ROW EXECUTE FUNCTION sealing_key_use('${column}');
      CREATE TRIGGER ${name}_delete AFTER DELETE ON ${table}
        FOR EACH ROW EXECUTE FUNCTION sealing_key_use('${column}');`
  }).join('\n')
  const existing = SEALED_COLUMNS.map(
    ({ table, column }) =>
      `SELECT sealing_key_ref(${column}) AS key_ref FROM ${table} WHERE ${column} IS NOT NULL`,
  ).join('\n        UNION ALL ')
  return `
    CREATE TABLE sealing_key_uses (
      key_ref TEXT NOT NULL PRIMARY KEY,
      uses BIGINT NOT NULL
    );

    -- A sealed value's "<format>.<key id>" prefix, e.g. pb2.Xq3...
    CREATE FUNCTION sealing_key_ref(value TEXT) RETURNS TEXT
      LANGUAGE sql IMMUTABLE AS $$
        SELECT CASE WHEN value IS NULL THEN NULL
          ELSE split_part(value, '.', 1) || '.' || split_part(value, '.', 2) END
      $$;

    -- Bound to the schema it was made in, whatever the search_path of the writer.
    CREATE FUNCTION sealing_key_use() RETURNS trigger LANGUAGE plpgsql
      SET search_path FROM CURRENT AS $$
      DECLARE
        old_ref TEXT;
        new_ref TEXT;
      BEGIN
        IF TG_OP <> 'INSERT' THEN old_ref := sealing_key_ref(to_jsonb(OLD) ->> TG_ARGV[0]); END IF;
        IF TG_OP <> 'DELETE' THEN new_ref := sealing_key_ref(to_jsonb(NEW) ->> TG_ARGV[0]); END IF;
        IF old_ref IS NOT DISTINCT FROM new_ref THEN RETURN NULL; END IF;
        IF old_ref IS NOT NULL THEN
          UPDATE sealing_key_uses SET uses = uses - 1 WHERE key_ref = old_ref;
          DELETE FROM sealing_key_uses WHERE key_ref = old_ref AND uses <= 0;
        END IF;
        IF new_ref IS NOT NULL THEN
          INSERT INTO sealing_key_uses (key_ref, uses) VALUES (new_ref, 1)
            ON CONFLICT (key_ref) DO UPDATE SET uses = sealing_key_uses.uses + 1;
        END IF;
        RETURN NULL;
      END
    $$;
    ${triggers}

    INSERT INTO sealing_key_uses (key_ref, uses)
      SELECT key_ref, count(*) FROM (
        ${existing}
      ) AS refs GROUP BY key_ref;`
}

/**
 * The PostgreSQL schema: SQLite's migrations, version for version, in PostgreSQL's words. Times
 * are BIGINT (epoch seconds, or milliseconds in `*_ms` columns); JSON is TEXT as on SQLite, so
 * both stores hand back what they were given. Secrets live only in the `*_sealed` columns.
 * A new SQLite migration gets its twin here under the same version.
 */
export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE connectors (
        id TEXT PRIMARY KEY,
        definition TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );

      CREATE TABLE integrations (
        id TEXT PRIMARY KEY,
        connector_id TEXT NOT NULL,
        client_id TEXT,
        client_secret_sealed TEXT,
        scopes TEXT,
        redirect_uri TEXT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );

      CREATE TABLE connections (
        id TEXT PRIMARY KEY,
        integration_id TEXT NOT NULL REFERENCES integrations (id),
        settings TEXT NOT NULL,
        credentials_sealed TEXT NOT NULL,
        account_name TEXT,
        status TEXT NOT NULL CHECK (status IN ('active', 'needs_reauth', 'error')),
        expires_at BIGINT,
        last_error TEXT,
        created_by TEXT,
        refresh_lease_holder TEXT,
        refresh_lease_until_ms BIGINT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE INDEX connections_integration ON connections (integration_id);
      CREATE INDEX connections_expires ON connections (expires_at);

      CREATE TABLE auth_sessions (
        state_hash TEXT PRIMARY KEY,
        integration_id TEXT NOT NULL,
        connection_id TEXT,
        redirect TEXT,
        data_sealed TEXT NOT NULL,
        expires_at BIGINT NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE INDEX auth_sessions_expires ON auth_sessions (expires_at);

      CREATE TABLE connect_sessions (
        token_hash TEXT PRIMARY KEY,
        integration_id TEXT NOT NULL,
        connection_id TEXT,
        redirect TEXT,
        end_user TEXT,
        expires_at BIGINT NOT NULL,
        used_at BIGINT,
        created_at BIGINT NOT NULL
      );
      CREATE INDEX connect_sessions_expires ON connect_sessions (expires_at);
    `,
  },
  {
    version: 2,
    name: 'api keys; the caller that created a connect session',
    sql: `
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        name TEXT,
        key_hash TEXT NOT NULL UNIQUE,
        created_by TEXT,
        created_at BIGINT NOT NULL,
        last_used_at BIGINT,
        revoked_at BIGINT
      );

      ALTER TABLE connect_sessions ADD COLUMN created_by TEXT;
    `,
  },
  {
    version: 3,
    name: 'the integrations a connect session may connect',
    sql: 'ALTER TABLE connect_sessions ADD COLUMN integration_ids TEXT;',
  },
  {
    version: 4,
    name: 'webhooks: integration signing secrets, outgoing endpoints, the delivery queue',
    // `seq` stands in for SQLite's rowid: the order deliveries were queued in, for ties.
    sql: `
      ALTER TABLE integrations ADD COLUMN webhook_secret_sealed TEXT;

      CREATE TABLE webhook_endpoints (
        id TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        secret_sealed TEXT NOT NULL,
        events TEXT,
        created_by TEXT,
        created_at BIGINT NOT NULL
      );

      CREATE TABLE webhook_deliveries (
        id TEXT PRIMARY KEY,
        seq BIGSERIAL NOT NULL,
        endpoint_id TEXT NOT NULL,
        event_type TEXT NOT NULL,
        payload TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at_ms BIGINT NOT NULL,
        last_status INTEGER,
        last_error TEXT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at_ms);
      CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id);
    `,
  },
  {
    version: 5,
    name: 'incoming webhook ids remembered for their replay window',
    sql: `
      CREATE TABLE webhook_receipts (
        integration_id TEXT NOT NULL,
        id_digest TEXT NOT NULL,
        expires_at BIGINT NOT NULL,
        PRIMARY KEY (integration_id, id_digest)
      );
      CREATE INDEX webhook_receipts_expiry ON webhook_receipts (expires_at);
    `,
  },
  {
    version: 6,
    name: 'how many sealed values each encryption key seals, kept by triggers',
    sql: sealingKeyUsesSql(),
  },
  {
    version: 7,
    name: 'refresh journal: when credentials were issued, the refresh attempt in flight',
    sql: `
      ALTER TABLE connections ADD COLUMN issued_at BIGINT;
      UPDATE connections SET issued_at = updated_at;
      ALTER TABLE connections ADD COLUMN refresh_attempt_id TEXT;
      ALTER TABLE connections ADD COLUMN refresh_attempt_started_ms BIGINT;
      ALTER TABLE connections ADD COLUMN refresh_attempt_token_digest TEXT;
      CREATE INDEX connections_refresh_attempt ON connections (refresh_attempt_id)
        WHERE refresh_attempt_id IS NOT NULL;
    `,
  },
  {
    version: 8,
    name: 'a version per connection and integration, changed by every write, for the credential cache',
    // As on SQLite: a row starts at a random version and every write of a column a Connection or
    // Integration shows moves it on (lease columns are left out, so taking a lease keeps a cached
    // row). BEFORE triggers set it in the written row itself; a statement that sets the version
    // already is left alone.
    sql: `
      ALTER TABLE connections ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
      ALTER TABLE integrations ADD COLUMN version BIGINT NOT NULL DEFAULT 0;

      CREATE FUNCTION row_version() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'INSERT' THEN
            IF NEW.version = 0 THEN
              NEW.version := 1 + floor(random() * 281474976710655)::bigint;
            END IF;
          ELSIF NEW.version = OLD.version THEN
            NEW.version := OLD.version + 1;
          END IF;
          RETURN NEW;
        END
      $$;

      CREATE TRIGGER connections_version_on_insert BEFORE INSERT ON connections
        FOR EACH ROW EXECUTE FUNCTION row_version();
      CREATE TRIGGER connections_version_on_update
        BEFORE UPDATE OF integration_id, settings, credentials_sealed, account_name, status,
          expires_at, last_error, created_by, created_at, updated_at, issued_at,
          refresh_attempt_id, refresh_attempt_started_ms, refresh_attempt_token_digest
        ON connections FOR EACH ROW EXECUTE FUNCTION row_version();
      CREATE TRIGGER integrations_version_on_insert BEFORE INSERT ON integrations
        FOR EACH ROW EXECUTE FUNCTION row_version();
      CREATE TRIGGER integrations_version_on_update
        BEFORE UPDATE OF connector_id, client_id, client_secret_sealed, scopes, redirect_uri,
          webhook_secret_sealed, created_at, updated_at
        ON integrations FOR EACH ROW EXECUTE FUNCTION row_version();
    `,
  },
  {
    version: 9,
    name: "the application redirect URIs an integration's sign-in flow may return to",
    // SQLite's migration 9: a JSON array of exact URIs, NULL when the integration signs no one
    // in; the version trigger of migration 8 is rebuilt to watch the new column too.
    sql: `
      ALTER TABLE integrations ADD COLUMN signin_redirect_uris TEXT;
      DROP TRIGGER integrations_version_on_update ON integrations;
      CREATE TRIGGER integrations_version_on_update
        BEFORE UPDATE OF connector_id, client_id, client_secret_sealed, scopes, redirect_uri,
          signin_redirect_uris, webhook_secret_sealed, created_at, updated_at
        ON integrations FOR EACH ROW EXECUTE FUNCTION row_version();
    `,
  },
  {
    version: 10,
    name: 'connection lists by page, the refresh-due index, renewable credentials',
    // SQLite's migration 10; renewable is a BOOLEAN here (SQLite: 0/1), NULL for unknown, and
    // connections_due's condition is spelled as dueForRefresh spells it, so the planner uses it.
    sql: `
      ALTER TABLE connections ADD COLUMN renewable BOOLEAN;
      DROP INDEX connections_integration;
      CREATE INDEX connections_created ON connections (created_at, id);
      CREATE INDEX connections_integration_created ON connections (integration_id, created_at, id);
      CREATE INDEX connections_status_created ON connections (status, created_at, id);
      CREATE INDEX connections_due ON connections (expires_at, id)
        WHERE expires_at IS NOT NULL AND status <> 'needs_reauth'
          AND renewable IS DISTINCT FROM false;
    `,
  },
  {
    version: 11,
    name: 'background refresh: scheduler claims and credential checks',
    // SQLite's migration 11. Schedulers claim due rows with FOR UPDATE SKIP LOCKED and write
    // refresh_claim_until_ms, so several instances never take the same connection; neither new
    // column is watched by the version trigger of migration 8.
    sql: `
      ALTER TABLE connections ADD COLUMN refresh_claim_until_ms BIGINT;
      ALTER TABLE connections ADD COLUMN checked_at BIGINT NOT NULL DEFAULT 0;
      CREATE INDEX connections_check_due ON connections (checked_at, id)
        WHERE expires_at IS NULL AND status = 'active';
    `,
  },
  {
    version: 12,
    name: 'the connection event log and operator dashboard sessions',
    // SQLite's migration 12: events are no foreign key of connections (they outlive them), and a
    // session is kept as the SHA-256 of its cookie's token.
    sql: `
      CREATE TABLE connection_events (
        id BIGSERIAL PRIMARY KEY,
        connection_id TEXT NOT NULL,
        integration_id TEXT,
        type TEXT NOT NULL,
        reason TEXT,
        created_at BIGINT NOT NULL
      );
      CREATE INDEX connection_events_connection ON connection_events (connection_id, id);
      CREATE INDEX connection_events_created ON connection_events (created_at);
      CREATE TABLE operator_sessions (
        token_hash TEXT PRIMARY KEY,
        caller_id TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
      );
      CREATE INDEX operator_sessions_expires ON operator_sessions (expires_at);
    `,
  },
]

/** Quotes an identifier (a schema name) for SQL. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/**
 * Creates the schema if needed and applies the migrations not yet recorded in its
 * `schema_migrations`, each in its own transaction, and returns the versions it applied. Every
 * step runs under a session advisory lock named after the schema, so instances starting together
 * wait for the first to finish instead of racing it; the others then find nothing to do.
 */
export async function migrate(
  client: PoolClient,
  schema: string,
  migrations: readonly PgMigration[] = PG_MIGRATIONS,
): Promise<number[]> {
  const lockKey = `patchbay migrations ${schema}`
  await client.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey])
  try {
    const s = quoteIdentifier(schema)
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`)
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (
        version INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        applied_at BIGINT NOT NULL
      )`)
    const done = await client.query<{ version: number }>(
      `SELECT version FROM ${s}.schema_migrations`,
    )
    const applied = new Set(done.rows.map((row) => row.version))
    const ran: number[] = []
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(migration.version)) continue
      await client.query('BEGIN')
      try {
        // Unqualified names in the migration land in this schema, wherever search_path points.
        await client.query(`SET LOCAL search_path TO ${s}`)
        await client.query(migration.sql)
        await client.query(
          `INSERT INTO ${s}.schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
          [migration.version, migration.name, Math.floor(Date.now() / 1000)],
        )
        await client.query('COMMIT')
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {})
        throw error
      }
      ran.push(migration.version)
    }
    return ran
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]).catch(() => {})
  }
}
