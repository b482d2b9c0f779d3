import type Database from 'better-sqlite3'
import { sealingKeyUsesSql } from './sealing-keys.js'

/** One schema change. Versions only grow; an applied migration is never edited. */
interface Migration {
  version: number
  name: string
  sql: string
}

/**
 * The SQLite schema, oldest first. Secrets live only in the `*_sealed` columns (see seal.ts);
 * sessions are keyed by the SHA-256 of their bearer value, never the value itself.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE connectors (
        id TEXT PRIMARY KEY,
        definition TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );

      CREATE TABLE integrations (
        id TEXT PRIMARY KEY,
        connector_id TEXT NOT NULL,
        client_id TEXT,
        client_secret_sealed TEXT,
        scopes TEXT,
        redirect_uri TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );

      CREATE TABLE connections (
        id TEXT PRIMARY KEY,
        integration_id TEXT NOT NULL REFERENCES integrations (id),
        settings TEXT NOT NULL,
        credentials_sealed TEXT NOT NULL,
        account_name TEXT,
        status TEXT NOT NULL CHECK (status IN ('active', 'needs_reauth', 'error')),
        expires_at INTEGER,
        last_error TEXT,
        created_by TEXT,
        refresh_lease_holder TEXT,
        refresh_lease_until_ms INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX connections_integration ON connections (integration_id);
      CREATE INDEX connections_expires ON connections (expires_at);

      CREATE TABLE auth_sessions (
        state_hash TEXT PRIMARY KEY,
        integration_id TEXT NOT NULL,
        connection_id TEXT,
        redirect TEXT,
        data_sealed TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX auth_sessions_expires ON auth_sessions (expires_at);

      CREATE TABLE connect_sessions (
        token_hash TEXT PRIMARY KEY,
        integration_id TEXT NOT NULL,
        connection_id TEXT,
        redirect TEXT,
        end_user TEXT,
        expires_at INTEGER NOT NULL,
        used_at INTEGER,
        created_at INTEGER NOT NULL
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
        created_at INTEGER NOT NULL,
        last_used_at INTEGER,
        revoked_at INTEGER
      );

      ALTER TABLE connect_sessions ADD COLUMN created_by TEXT;
    `,
  },
  {
    version: 3,
    name: 'the integrations a connect session may connect',
    // A JSON array; NULL on older rows, which allow only their integration_id.
    sql: 'ALTER TABLE connect_sessions ADD COLUMN integration_ids TEXT;',
  },
  {
    version: 4,
    name: 'webhooks: integration signing secrets, outgoing endpoints, the delivery queue',
    sql: `
      ALTER TABLE integrations ADD COLUMN webhook_secret_sealed TEXT;

      CREATE TABLE webhook_endpoints (
        id TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        secret_sealed TEXT NOT NULL,
        events TEXT,
        created_by TEXT,
        created_at INTEGER NOT NULL
      );

      CREATE TABLE webhook_deliveries (
        id TEXT PRIMARY KEY,
        endpoint_id TEXT NOT NULL,
        event_type TEXT NOT NULL,
        payload TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at_ms INTEGER NOT NULL,
        last_status INTEGER,
        last_error TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at_ms);
      CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id);
    `,
  },
  {
    version: 5,
    name: 'incoming webhook ids remembered for their replay window',
    // The id's SHA-256, not the id: fixed size whatever a sender puts in the header.
    sql: `
      CREATE TABLE webhook_receipts (
        integration_id TEXT NOT NULL,
        id_digest TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (integration_id, id_digest)
      );
      CREATE INDEX webhook_receipts_expiry ON webhook_receipts (expires_at);
    `,
  },
  {
    version: 6,
    name: 'how many sealed values each encryption key seals, kept by triggers',
    // Read at every open to refuse a database sealed by a key that is not configured (#8).
    sql: sealingKeyUsesSql(),
  },
  {
    version: 7,
    name: 'refresh journal: when credentials were issued, the refresh attempt in flight',
    // issued_at gives a token's lifetime (expires_at - issued_at), which caps the refresh margin;
    // older rows take their last update as the best guess. The attempt columns are written before
    // a refresh request is sent and cleared with its result, so a crash in between is visible.
    sql: `
      ALTER TABLE connections ADD COLUMN issued_at INTEGER;
      UPDATE connections SET issued_at = updated_at;
      ALTER TABLE connections ADD COLUMN refresh_attempt_id TEXT;
      ALTER TABLE connections ADD COLUMN refresh_attempt_started_ms INTEGER;
      ALTER TABLE connections ADD COLUMN refresh_attempt_token_digest TEXT;
      CREATE INDEX connections_refresh_attempt ON connections (refresh_attempt_id)
        WHERE refresh_attempt_id IS NOT NULL;
    `,
  },
  {
    version: 8,
    name: 'a version per connection and integration, changed by every write, for the credential cache',
    // A process answers a read of a cached row from memory only while its version is the cached
    // one (docs/decisions.md, "The credential cache"). The store's writes bump it themselves;
    // the triggers bump any other write of a column a Connection or Integration shows (lease
    // columns are left out, so taking a lease keeps the cache), and give a row inserted without
    // one a random start, so a row deleted and re-created elsewhere never matches a cached one.
    // A migration adding a shown column must add it to these triggers.
    sql: `
      ALTER TABLE connections ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE integrations ADD COLUMN version INTEGER NOT NULL DEFAULT 0;

      CREATE TRIGGER connections_version_on_update
        AFTER UPDATE OF integration_id, settings, credentials_sealed, account_name, status,
          expires_at, last_error, created_by, created_at, updated_at, issued_at,
          refresh_attempt_id, refresh_attempt_started_ms, refresh_attempt_token_digest
        ON connections WHEN NEW.version = OLD.version
      BEGIN
        UPDATE connections SET version = OLD.version + 1 WHERE id = NEW.id;
      END;
      CREATE TRIGGER connections_version_on_insert AFTER INSERT ON connections
        WHEN NEW.version = 0
      BEGIN
        UPDATE connections SET version = 1 + abs(random() % 281474976710655) WHERE id = NEW.id;
      END;

      CREATE TRIGGER integrations_version_on_update
        AFTER UPDATE OF connector_id, client_id, client_secret_sealed, scopes, redirect_uri,
          webhook_secret_sealed, created_at, updated_at
        ON integrations WHEN NEW.version = OLD.version
      BEGIN
        UPDATE integrations SET version = OLD.version + 1 WHERE id = NEW.id;
      END;
      CREATE TRIGGER integrations_version_on_insert AFTER INSERT ON integrations
        WHEN NEW.version = 0
      BEGIN
        UPDATE integrations SET version = 1 + abs(random() % 281474976710655) WHERE id = NEW.id;
      END;
    `,
  },
  {
    version: 9,
    name: "the application redirect URIs an integration's sign-in flow may return to",
    // A JSON array of exact URIs; NULL: the integration signs no one in (issue 10). A column an
    // Integration shows, so the version trigger of migration 8 is rebuilt to watch it too.
    sql: `
      ALTER TABLE integrations ADD COLUMN signin_redirect_uris TEXT;
      DROP TRIGGER integrations_version_on_update;
      CREATE TRIGGER integrations_version_on_update
        AFTER UPDATE OF connector_id, client_id, client_secret_sealed, scopes, redirect_uri,
          signin_redirect_uris, webhook_secret_sealed, created_at, updated_at
        ON integrations WHEN NEW.version = OLD.version
      BEGIN
        UPDATE integrations SET version = OLD.version + 1 WHERE id = NEW.id;
      END;
    `,
  },
  {
    version: 10,
    name: 'connection lists by page, the refresh-due index, renewable credentials',
    // Lists are read in (created_at, id) order by keyset pages, with or without a filter on the
    // integration or the status, each through its own index (the integration one replaces the
    // plain index on integration_id, which it covers). `renewable` is what the runtime says of the
    // credentials when it writes them; rows written before are NULL (unknown: the key is not
    // available to a migration and the answer depends on the connector) until their next
    // credentials write, and are counted as due meanwhile. connections_due holds only the rows
    // dueForRefresh may answer, so finding them costs in proportion to those due.
    sql: `
      ALTER TABLE connections ADD COLUMN renewable INTEGER;
      DROP INDEX connections_integration;
      CREATE INDEX connections_created ON connections (created_at, id);
      CREATE INDEX connections_integration_created ON connections (integration_id, created_at, id);
      CREATE INDEX connections_status_created ON connections (status, created_at, id);
      CREATE INDEX connections_due ON connections (expires_at, id)
        WHERE expires_at IS NOT NULL AND status <> 'needs_reauth' AND renewable IS NOT 0;
    `,
  },
  {
    version: 11,
    name: 'background refresh: scheduler claims and credential checks',
    // refresh_claim_until_ms: a scheduler has taken the connection's background refresh until
    // then (epoch ms), so other schedulers pass it by and a failed one is retried after it.
    // checked_at (epoch seconds, 0: never) is when the scheduler last checked credentials that
    // do not expire; connections_check_due holds only the rows such a check may pick, so finding
    // them costs in proportion to those due. Neither column is part of a Connection, so neither
    // bumps the version of migration 8 (a claim does not empty the decrypted cache).
    sql: `
      ALTER TABLE connections ADD COLUMN refresh_claim_until_ms INTEGER;
      ALTER TABLE connections ADD COLUMN checked_at INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX connections_check_due ON connections (checked_at, id)
        WHERE expires_at IS NULL AND status = 'active';
    `,
  },
  {
    version: 12,
    name: 'the connection event log and operator dashboard sessions',
    // Events outlive their connection (a deleted connection's history stays until retention
    // forgets it), so connection_id is no foreign key. An operator session is kept as the SHA-256
    // of its cookie's token: a copy of the database opens no dashboard (issue 13).
    sql: `
      CREATE TABLE connection_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        connection_id TEXT NOT NULL,
        integration_id TEXT,
        type TEXT NOT NULL,
        reason TEXT,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX connection_events_connection ON connection_events (connection_id, id);
      CREATE INDEX connection_events_created ON connection_events (created_at);
      CREATE TABLE operator_sessions (
        token_hash TEXT PRIMARY KEY,
        caller_id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      );
      CREATE INDEX operator_sessions_expires ON operator_sessions (expires_at);
    `,
  },
]

/**
 * Applies the migrations not yet recorded in `schema_migrations`, each in its own transaction,
 * and returns the versions it applied. Safe to call on every open.
 */
export function migrate(
  db: Database.Database,
  migrations: readonly Migration[] = MIGRATIONS,
): number[] {
  db.exec(`
    CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at INTEGER NOT NULL
    )
  `)
  const isApplied = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?')
  const record = db.prepare(
    'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
  )
  const applied: number[] = []
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    const apply = db.transaction(() => {
      // Checked inside the transaction: another process may have migrated since we looked.
      if (isApplied.get(migration.version)) return
      db.exec(migration.sql)
      record.run(migration.version, migration.name, Math.floor(Date.now() / 1000))
      applied.push(migration.version)
    })
    // IMMEDIATE takes the write lock up front, so two processes opening a new file at once
    // cannot both run the same migration.
    apply.immediate()
  }
  return applied
}
