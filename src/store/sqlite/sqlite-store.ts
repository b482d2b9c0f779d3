import { dirname } from 'node:path'
import type Database from 'better-sqlite3'
import type { Statement } from 'better-sqlite3'
import { sqliteDriver } from './driver.js'
import { PatchbayError } from '../../errors.js'
import { copyJson, createDecryptedCache, DEFAULT_DECRYPTED_CACHE_ENTRIES } from '../decrypted-cache.js'
import type { DecryptedCache } from '../decrypted-cache.js'
import { digestToken } from '../digest.js'
import { ensurePrivateDir, ensurePrivateFile, looseModeWarning } from '../private-files.js'
import { assertPageSize, decodeCursor, encodeCursor } from '../cursor.js'
import { open, seal, sealedValueProblem } from '../seal.js'
import type { KeyRing } from '../seal.js'
import type {
  ApiKeyInput,
  AuthSession,
  Connection,
  ConnectionInput,
  ConnectionPage,
  ConnectionPatch,
  ConnectionQuery,
  ConnectionStatus,
  ConnectionSummary,
  ConnectSession,
  Integration,
  IntegrationInput,
  PendingRefreshAttempt,
  Store,
} from '../types.js'
import { aad, assertStatus, assertWindow, nowSeconds, parseObject, toApiKey, toConnector } from '../rows.js'
import type { ApiKeyRow, ConnectorRow } from '../rows.js'
import { migrate } from './migrations.js'
import {
  assertSealingKeysConfigured,
  readResealBatch,
  sealingKeys,
  upgradeLegacyKeyIds,
  writeResealBatch,
} from './sealing-keys.js'
import { unreadableConnection, unreadableCredentials, unreadableIntegration } from '../unreadable.js'
import {
  integrationWebhookSecretWriter,
  openIntegrationWebhookSecret,
  sqliteWebhookMethods,
} from './webhooks.js'
import { sqliteEventMethods } from './events.js'

/** Options of {@link openSqliteStore}. */
export interface SqliteStoreOptions {
  /** The database file, created with its directory if missing; `':memory:'` for a private one. */
  path: string
  /** Seals client secrets, credentials and auth session data. */
  keyRing: KeyRing
  /** How long a write waits for another process's lock before failing. Defaults to 5000. */
  busyTimeoutMs?: number
  /** Told when an existing database file is readable by other users. Defaults to no warning. */
  warn?: (message: string) => void
  /**
   * How many decrypted connections, and as many integrations, this store keeps in memory
   * (least recently used evicted first); 0 keeps none. A cached row is used only while its
   * version in the database is unchanged, so writes by other processes are seen on the next
   * read. Defaults to 10 000.
   */
  cacheEntries?: number
}

interface IntegrationValues {
  id: string
  connectorId: string
  clientId: string | null
  clientSecretSealed: string | null
  scopes: string | null
  redirectUri: string | null
  signinRedirectUris: string | null
  now: number
}

interface ConnectionValues {
  id: string
  integrationId: string
  settings: string
  credentialsSealed: string
  accountName: string | null
  status: ConnectionStatus
  expiresAt: number | null
  createdBy: string | null
  issuedAt: number
  renewable: number | null
  now: number
}


interface IntegrationRow {
  id: string
  connector_id: string
  client_id: string | null
  client_secret_sealed: string | null
  scopes: string | null
  redirect_uri: string | null
  signin_redirect_uris: string | null
  webhook_secret_sealed: string | null
  created_at: number
  updated_at: number
  version: number
}

interface ConnectionRow {
  id: string
  integration_id: string
  settings: string
  credentials_sealed: string
  account_name: string | null
  status: ConnectionStatus
  expires_at: number | null
  last_error: string | null
  created_by: string | null
  created_at: number
  updated_at: number
  issued_at: number | null
  refresh_attempt_id: string | null
  refresh_attempt_started_ms: number | null
  refresh_attempt_token_digest: string | null
  version: number
}

interface VersionsRow {
  connection_version: number
  integration_id: string
  integration_version: number | null
}

/** A list's row: the plaintext columns and the head of the sealed value (never opened). */
interface SummaryRow {
  id: string
  integration_id: string
  settings: string
  sealed_head: string
  account_name: string | null
  status: ConnectionStatus
  expires_at: number | null
  last_error: string | null
  created_by: string | null
  created_at: number
  updated_at: number
  issued_at: number | null
}

interface RefreshAttemptRow {
  id: string
  refresh_attempt_id: string
  refresh_attempt_started_ms: number
  refresh_attempt_token_digest: string | null
  refresh_lease_holder: string | null
  refresh_lease_until_ms: number | null
}

interface LeaseRow {
  refresh_lease_holder: string | null
  refresh_attempt_id: string | null
}

interface AuthSessionRow {
  integration_id: string
  connection_id: string | null
  redirect: string | null
  data_sealed: string
  expires_at: number
}

interface ConnectSessionRow {
  integration_id: string
  connection_id: string | null
  redirect: string | null
  end_user: string | null
  expires_at: number
  created_by: string | null
  integration_ids: string | null
}



const API_KEY_COLUMNS = 'id, name, created_by, created_at, last_used_at, revoked_at'

const CONNECTION_COLUMNS = `id, integration_id, settings, credentials_sealed, account_name, status,
  expires_at, last_error, created_by, created_at, updated_at, issued_at, refresh_attempt_id,
  refresh_attempt_started_ms, refresh_attempt_token_digest, version`

// The version a new row starts at: random, never 0 (the column's default, which the insert
// triggers replace), so a row deleted and created again elsewhere does not match a cached one.
const NEW_VERSION = '1 + abs(random() % 281474976710655)'

// The head of a sealed value holds its format and key id (at most 3 + 1 + 64 characters).
const SUMMARY_COLUMNS = `id, integration_id, settings, substr(credentials_sealed, 1, 80) AS sealed_head,
  account_name, status, expires_at, last_error, created_by, created_at, updated_at, issued_at`

/**
 * A refresh ahead of expiry waits for half the credentials' lifetime to pass (as the runtime's
 * margin does, refresh-timing.ts), so short-lived tokens are not claimed again and again.
 */
const PAST_HALF_LIFE =
  '(issued_at IS NULL OR expires_at <= issued_at OR expires_at + issued_at <= 2 * @nowSeconds)'

function renewableValue(renewable: boolean | null | undefined): number | null {
  return renewable === true ? 1 : renewable === false ? 0 : null
}

// A replace is a re-authorization: all but the creation facts (created_at, created_by) and the
// refresh lease changes, and the previous error no longer applies. A refresh attempt in flight is
// forgotten, so its holder cannot settle it over the new credentials.
const UPSERT_CONNECTION = `
  INSERT INTO connections (id, integration_id, settings, credentials_sealed, account_name,
    status, expires_at, last_error, created_by, created_at, updated_at, issued_at, renewable,
    version)
  VALUES (@id, @integrationId, @settings, @credentialsSealed, @accountName, @status,
    @expiresAt, NULL, @createdBy, @now, @now, @issuedAt, @renewable, ${NEW_VERSION})
  ON CONFLICT (id) DO UPDATE SET version = connections.version + 1,
    integration_id = excluded.integration_id,
    settings = excluded.settings, credentials_sealed = excluded.credentials_sealed,
    account_name = excluded.account_name, status = excluded.status,
    expires_at = excluded.expires_at, last_error = NULL, updated_at = excluded.updated_at,
    issued_at = excluded.issued_at, renewable = excluded.renewable, refresh_attempt_id = NULL,
    refresh_attempt_started_ms = NULL, refresh_attempt_token_digest = NULL`

/** A copy sharing nothing mutable with `connection`. */
function copyConnection(connection: Connection): Connection {
  return {
    ...connection,
    settings: copyJson(connection.settings),
    credentials: copyJson(connection.credentials),
    refreshAttempt: connection.refreshAttempt && { ...connection.refreshAttempt },
  }
}

/** A copy sharing nothing mutable with `integration`. */
function copyIntegration(integration: Integration): Integration {
  return { ...integration, scopes: integration.scopes && [...integration.scopes] }
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
}

/**
 * Opens (creating and migrating as needed) a SQLite store: one file, WAL mode, safe to share
 * between processes on one machine. Secrets are sealed with `keyRing` before they are written.
 *
 * @example
 * const store = openSqliteStore({ path: '.patchbay/patchbay.db', keyRing })
 */
export function openSqliteStore(options: SqliteStoreOptions): Store {
  const { path, keyRing } = options
  if (path !== ':memory:' && path !== '') {
    // Created private before SQLite opens it: SQLite would make it (and its -wal and -shm files,
    // which copy its mode) as the umask allows, often readable by everyone.
    ensurePrivateDir(dirname(path))
    if (!ensurePrivateFile(path)) {
      const warning = looseModeWarning(path, 'the database file')
      if (warning) options.warn?.(warning)
    }
  }
  const db = new (sqliteDriver())(path)
  try {
    // The timeout first: switching to WAL takes a lock another process may be holding.
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`)
    db.pragma('journal_mode = WAL')
    db.pragma('foreign_keys = ON')
    // A write to a table with triggers (the sealed columns' key counts) opens a statement journal;
    // in a temporary file that tripled the cost of an insert (#9). It holds one statement's pages.
    db.pragma('temp_store = MEMORY')
    migrate(db)
    // Expired auth sessions are useless; swept first, one sealed by a key since dropped from the
    // ring does not hold the start-up check below.
    db.prepare('DELETE FROM auth_sessions WHERE expires_at <= ?').run(nowSeconds())
    upgradeLegacyKeyIds(db, keyRing)
    assertSealingKeysConfigured(db, keyRing)
  } catch (error) {
    db.close()
    throw error
  }

  const sql = {
    putConnector: db.prepare<[string, string, number, number], ConnectorRow>(`
      INSERT INTO connectors (id, definition, created_at, updated_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET definition = excluded.definition,
        updated_at = excluded.updated_at
      RETURNING *`),
    getConnector: db.prepare<[string], ConnectorRow>('SELECT * FROM connectors WHERE id = ?'),
    listConnectors: db.prepare<[], ConnectorRow>('SELECT * FROM connectors ORDER BY id'),
    deleteConnector: db.prepare<[string]>('DELETE FROM connectors WHERE id = ?'),

    putIntegration: db.prepare<IntegrationValues, IntegrationRow>(`
      INSERT INTO integrations (id, connector_id, client_id, client_secret_sealed, scopes,
        redirect_uri, signin_redirect_uris, created_at, updated_at, version)
      VALUES (@id, @connectorId, @clientId, @clientSecretSealed, @scopes, @redirectUri,
        @signinRedirectUris, @now, @now, ${NEW_VERSION})
      ON CONFLICT (id) DO UPDATE SET connector_id = excluded.connector_id,
        client_id = excluded.client_id, client_secret_sealed = excluded.client_secret_sealed,
        scopes = excluded.scopes, redirect_uri = excluded.redirect_uri,
        signin_redirect_uris = excluded.signin_redirect_uris,
        updated_at = excluded.updated_at, version = integrations.version + 1
      RETURNING *`),
    getIntegration: db.prepare<[string], IntegrationRow>(
      'SELECT * FROM integrations WHERE id = ?',
    ),
    integrationVersion: db
      .prepare<[string], number>('SELECT version FROM integrations WHERE id = ?')
      .pluck(),
    listIntegrations: db.prepare<[], IntegrationRow>('SELECT * FROM integrations ORDER BY id'),
    countConnectionsOf: db.prepare<[string], { n: number }>(
      'SELECT count(*) AS n FROM connections WHERE integration_id = ?',
    ),
    deleteIntegration: db.prepare<[string]>('DELETE FROM integrations WHERE id = ?'),

    integrationExists: db.prepare<[string], { id: string }>(
      'SELECT id FROM integrations WHERE id = ?',
    ),
    saveConnection: db.prepare<ConnectionValues, ConnectionRow>(
      `${UPSERT_CONNECTION} RETURNING ${CONNECTION_COLUMNS}`,
    ),
    // saveConnections reads nothing back per row.
    saveConnectionQuietly: db.prepare<ConnectionValues>(UPSERT_CONNECTION),
    getConnection: db.prepare<[string], ConnectionRow>(
      `SELECT ${CONNECTION_COLUMNS} FROM connections WHERE id = ?`,
    ),
    connectionVersion: db
      .prepare<[string], number>('SELECT version FROM connections WHERE id = ?')
      .pluck(),
    connectionVersions: db.prepare<[string], VersionsRow>(`
      SELECT c.version AS connection_version, c.integration_id,
        i.version AS integration_version
      FROM connections c LEFT JOIN integrations i ON i.id = c.integration_id WHERE c.id = ?`),
    listConnections: db.prepare<[], ConnectionRow>(
      `SELECT ${CONNECTION_COLUMNS} FROM connections ORDER BY created_at, id`,
    ),
    listConnectionsOf: db.prepare<[string], ConnectionRow>(
      `SELECT ${CONNECTION_COLUMNS} FROM connections WHERE integration_id = ?
       ORDER BY created_at, id`,
    ),
    deleteConnection: db.prepare<[string]>('DELETE FROM connections WHERE id = ?'),
    integrationOfConnection: db.prepare<[string], { integration_id: string }>(
      'SELECT integration_id FROM connections WHERE id = ?',
    ),
    // Many ids in one statement (a JSON array), each looked up by the primary key.
    integrationsOfConnections: db.prepare<[string], { id: string; integration_id: string }>(
      'SELECT id, integration_id FROM connections WHERE id IN (SELECT value FROM json_each(?))',
    ),
    // Damage found by decrypting is written down, so lists (which do not decrypt) show it; only if
    // the value is still the one that failed, so a re-authorization meanwhile is not marked.
    markUnreadable: db.prepare<{ id: string; sealed: string; reason: string }>(`
      UPDATE connections SET status = 'error', last_error = @reason
      WHERE id = @id AND credentials_sealed = @sealed
        AND (status <> 'error' OR last_error IS NOT @reason)`),
    dueForRefresh: db.prepare<{ horizon: number; limit: number }, { id: string; expires_at: number }>(`
      SELECT id, expires_at FROM connections INDEXED BY connections_due
      WHERE expires_at IS NOT NULL AND status <> 'needs_reauth' AND renewable IS NOT 0
        AND expires_at <= @horizon
      ORDER BY expires_at, id LIMIT @limit`),

    // One statement: the pick and the claim cannot interleave with another process's.
    claimDue: db.prepare<
      { horizon: number; limit: number; now: number; until: number; nowSeconds: number },
      { id: string; expires_at: number }
    >(`
      UPDATE connections SET refresh_claim_until_ms = @until
      WHERE id IN (
        SELECT id FROM connections INDEXED BY connections_due
        WHERE expires_at IS NOT NULL AND status <> 'needs_reauth' AND renewable IS NOT 0
          AND expires_at <= @horizon AND ${PAST_HALF_LIFE}
          AND (refresh_claim_until_ms IS NULL OR refresh_claim_until_ms <= @now)
        ORDER BY expires_at, id LIMIT @limit)
      RETURNING id, expires_at`),
    countDue: db.prepare<{ horizon: number; cap: number; nowSeconds: number }, { due: number }>(`
      SELECT count(*) AS due FROM (
        SELECT 1 FROM connections INDEXED BY connections_due
        WHERE expires_at IS NOT NULL AND status <> 'needs_reauth' AND renewable IS NOT 0
          AND expires_at <= @horizon AND ${PAST_HALF_LIFE}
        LIMIT @cap)`),
    claimCheck: db.prepare<{ cutoff: number; limit: number; now: number }, { id: string; checked_at: number }>(`
      UPDATE connections SET checked_at = @now
      WHERE id IN (
        SELECT id FROM connections INDEXED BY connections_check_due
        WHERE expires_at IS NULL AND status = 'active' AND checked_at <= @cutoff
        ORDER BY checked_at, id LIMIT @limit)
      RETURNING id, checked_at`),
    lastChecked: db.prepare<{ id: string }, { checked_at: number }>(
      'SELECT checked_at FROM connections WHERE id = @id',
    ),

    // One statement, so the check and the take cannot interleave with another process's.
    acquireLease: db.prepare<{ id: string; holder: string; until: number; now: number }>(`
      UPDATE connections SET refresh_lease_holder = @holder, refresh_lease_until_ms = @until
      WHERE id = @id AND (refresh_lease_holder IS NULL OR refresh_lease_until_ms <= @now
        OR refresh_lease_holder = @holder)`),
    releaseLease: db.prepare<[string, string]>(`
      UPDATE connections SET refresh_lease_holder = NULL, refresh_lease_until_ms = NULL
      WHERE id = ? AND refresh_lease_holder = ?`),
    recordAttempt: db.prepare<{
      connectionId: string
      holder: string
      id: string
      startedAt: number
      tokenDigest: string | null
    }>(`
      UPDATE connections SET refresh_attempt_id = @id, refresh_attempt_started_ms = @startedAt,
        refresh_attempt_token_digest = @tokenDigest, version = version + 1
      WHERE id = @connectionId AND refresh_lease_holder = @holder`),
    leaseOf: db.prepare<[string], LeaseRow>(
      'SELECT refresh_lease_holder, refresh_attempt_id FROM connections WHERE id = ?',
    ),
    listAttempts: db.prepare<[], RefreshAttemptRow>(`
      SELECT id, refresh_attempt_id, refresh_attempt_started_ms, refresh_attempt_token_digest,
        refresh_lease_holder, refresh_lease_until_ms
      FROM connections WHERE refresh_attempt_id IS NOT NULL
      ORDER BY refresh_attempt_started_ms, id`),

    createAuthSession: db.prepare<
      [string, string, string | null, string | null, string, number, number]
    >(`
      INSERT INTO auth_sessions (state_hash, integration_id, connection_id, redirect, data_sealed,
        expires_at, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?)`),
    takeAuthSession: db.prepare<[string], AuthSessionRow>(`
      DELETE FROM auth_sessions WHERE state_hash = ?
      RETURNING integration_id, connection_id, redirect, data_sealed, expires_at`),
    sweepAuthSessions: db.prepare<[number]>('DELETE FROM auth_sessions WHERE expires_at <= ?'),

    createConnectSession: db.prepare<
      [
        string,
        string,
        string | null,
        string | null,
        string | null,
        number,
        number,
        string | null,
        string | null,
      ]
    >(`
      INSERT INTO connect_sessions (token_hash, integration_id, connection_id, redirect, end_user,
        expires_at, created_at, created_by, integration_ids)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    getConnectSession: db.prepare<[string, number], ConnectSessionRow>(`
      SELECT integration_id, connection_id, redirect, end_user, expires_at, created_by,
        integration_ids
      FROM connect_sessions WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?`),
    consumeConnectSession: db.prepare<{ tokenHash: string; now: number }>(`
      UPDATE connect_sessions SET used_at = @now
      WHERE token_hash = @tokenHash AND used_at IS NULL AND expires_at > @now`),
    sweepConnectSessions: db.prepare<[number]>(
      'DELETE FROM connect_sessions WHERE expires_at <= ?',
    ),

    createApiKey: db.prepare<[string, string | null, string, string | null, number], ApiKeyRow>(`
      INSERT INTO api_keys (id, name, key_hash, created_by, created_at) VALUES (?, ?, ?, ?, ?)
      RETURNING ${API_KEY_COLUMNS}`),
    listApiKeys: db.prepare<[], ApiKeyRow>(
      `SELECT ${API_KEY_COLUMNS} FROM api_keys ORDER BY created_at, id`,
    ),
    findApiKeyByHash: db.prepare<[string], ApiKeyRow>(
      `SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE key_hash = ?`,
    ),
    touchApiKey: db.prepare<[number, string]>('UPDATE api_keys SET last_used_at = ? WHERE id = ?'),
    revokeApiKey: db.prepare<[number, string], ApiKeyRow>(`
      UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?
      RETURNING ${API_KEY_COLUMNS}`),
    ping: db.prepare<[], { ok: number }>('SELECT 1 AS ok'),
  }

  function toIntegration(row: IntegrationRow): Integration {
    return {
      id: row.id,
      connectorId: row.connector_id,
      clientId: row.client_id,
      clientSecret:
        row.client_secret_sealed === null
          ? null
          : open(keyRing, row.client_secret_sealed, aad.clientSecret(row.id)),
      scopes: row.scopes === null ? null : (JSON.parse(row.scopes) as string[]),
      redirectUri: row.redirect_uri,
      signinRedirectUris:
        row.signin_redirect_uris === null ? null : (JSON.parse(row.signin_redirect_uris) as string[]),
      webhookSecret: openIntegrationWebhookSecret(keyRing, row.id, row.webhook_secret_sealed),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    }
  }

  /** As {@link toIntegration}, but a row whose secrets do not open is listed, not thrown. */
  function toListedIntegration(row: IntegrationRow): Integration {
    try {
      return toIntegration(row)
    } catch (error) {
      return unreadableIntegration(
        toIntegration({ ...row, client_secret_sealed: null, webhook_secret_sealed: null }),
        {
          clientSecret: row.client_secret_sealed !== null,
          webhookSecret: row.webhook_secret_sealed !== null,
        },
        error,
      )
    }
  }

  function toConnection(row: ConnectionRow): Connection {
    const connection: Connection = {
      id: row.id,
      integrationId: row.integration_id,
      settings: parseObject(row.settings, `settings of connection ${row.id}`),
      credentials: {},
      accountName: row.account_name,
      status: row.status,
      expiresAt: row.expires_at,
      lastError: row.last_error,
      createdBy: row.created_by,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      issuedAt: row.issued_at,
      refreshAttempt:
        row.refresh_attempt_id === null
          ? null
          : {
              id: row.refresh_attempt_id,
              startedAt: row.refresh_attempt_started_ms ?? 0,
              tokenDigest: row.refresh_attempt_token_digest,
            },
    }
    let credentials: string
    try {
      credentials = open(keyRing, row.credentials_sealed, aad.credentials(row.id))
    } catch (error) {
      // One damaged row must not take every list down with it (#8): it is listed as `error`,
      // and using its credentials fails with the reason.
      return unreadableConnection(connection, error)
    }
    connection.credentials = parseObject(credentials, `credentials of connection ${row.id}`)
    return connection
  }

  function toSummary(row: SummaryRow): ConnectionSummary {
    const summary: ConnectionSummary = {
      id: row.id,
      integrationId: row.integration_id,
      settings: parseObject(row.settings, `settings of connection ${row.id}`),
      accountName: row.account_name,
      status: row.status,
      expiresAt: row.expires_at,
      lastError: row.last_error,
      createdBy: row.created_by,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      issuedAt: row.issued_at,
    }
    // What the value's header shows, without decrypting it (#9); damage inside the ciphertext is
    // shown once a use has found it (markUnreadable).
    const problem = sealedValueProblem(keyRing, row.sealed_head)
    if (problem === null) return summary
    const unreadable = unreadableCredentials(row.id, problem.reason, problem.keyId)
    return { ...summary, status: 'error', lastError: unreadable.reason }
  }

  // Decrypted rows by id and version (docs/decisions.md, "The credential cache"). What is cached
  // is never handed out: every read returns a copy.
  const cacheEntries = options.cacheEntries ?? DEFAULT_DECRYPTED_CACHE_ENTRIES
  const cachedConnections = createDecryptedCache<Connection>(cacheEntries)
  const cachedIntegrations = createDecryptedCache<Integration>(cacheEntries)

  /** Decodes a row just read or written, caching it when its credentials opened. */
  function rememberConnection(row: ConnectionRow): Connection {
    const connection = toConnection(row)
    const unreadable = connection.credentialsUnreadable
    if (unreadable) {
      cachedConnections.delete(row.id)
      // Damage found in opening it is written down for lists, which decrypt nothing (#9). A
      // missing key is the configuration's fault, not the row's: when the key comes back, so
      // does the connection, so that is not written down.
      if (unreadable.code !== 'invalid_config') {
        sql.markUnreadable.run({ id: row.id, sealed: row.credentials_sealed, reason: unreadable.reason })
      }
    } else cachedConnections.set(row.id, row.version, copyConnection(connection))
    return connection
  }

  function rememberIntegration(row: IntegrationRow): Integration {
    const integration = toIntegration(row)
    cachedIntegrations.set(row.id, row.version, copyIntegration(integration))
    return integration
  }

  /**
   * The cached row when its stored version is still the cached one: undefined to read it from
   * the table, null when it is gone (the entry is then dropped).
   */
  function fromCache<T>(
    cache: DecryptedCache<T>,
    version: Statement<[string], number>,
    id: string,
  ): T | null | undefined {
    if (!cache.has(id)) return undefined
    const current = version.get(id)
    if (current === undefined) {
      cache.delete(id)
      return null
    }
    return cache.get(id, current)
  }

  function getConnection(id: string): Connection | null {
    const cached = fromCache(cachedConnections, sql.connectionVersion, id)
    if (cached !== undefined) return cached && copyConnection(cached)
    const row = sql.getConnection.get(id)
    return row ? rememberConnection(row) : null
  }

  function getIntegration(id: string): Integration | null {
    const cached = fromCache(cachedIntegrations, sql.integrationVersion, id)
    if (cached !== undefined) return cached && copyIntegration(cached)
    const row = sql.getIntegration.get(id)
    return row ? rememberIntegration(row) : null
  }

  const deleteIntegration = db.transaction((id: string): boolean => {
    const { n } = sql.countConnectionsOf.get(id)!
    if (n > 0) {
      throw new PatchbayError(
        'bad_request',
        `integration ${id} still has ${n} connection(s); delete them before the integration`,
        { details: { integration_id: id, connections: n } },
      )
    }
    return sql.deleteIntegration.run(id).changes > 0
  })

  const saveConnection = db.transaction((input: ConnectionInput): ConnectionRow => {
    if (!sql.integrationExists.get(input.integrationId)) {
      throw new PatchbayError(
        'bad_request',
        `cannot save connection ${input.id}: integration ${input.integrationId} does not exist`,
        { details: { connection_id: input.id, integration_id: input.integrationId } },
      )
    }
    const credentials = JSON.stringify(input.credentials)
    return sql.saveConnection.get({
      id: input.id,
      integrationId: input.integrationId,
      settings: JSON.stringify(input.settings),
      credentialsSealed: seal(keyRing, credentials, aad.credentials(input.id)),
      accountName: input.accountName ?? null,
      status: input.status ?? 'active',
      expiresAt: input.expiresAt ?? null,
      createdBy: input.createdBy ?? null,
      issuedAt: input.issuedAt ?? nowSeconds(),
      renewable: renewableValue(input.renewable),
      now: nowSeconds(),
    })!
  })

  const saveConnections = db.transaction((inputs: readonly ConnectionInput[]): number => {
    const known = new Set<string>()
    const now = nowSeconds()
    for (const input of inputs) {
      if (!known.has(input.integrationId)) {
        if (!sql.integrationExists.get(input.integrationId)) {
          throw new PatchbayError(
            'bad_request',
            `cannot save connection ${input.id}: integration ${input.integrationId} does not exist`,
            { details: { connection_id: input.id, integration_id: input.integrationId } },
          )
        }
        known.add(input.integrationId)
      }
      const owner = sql.integrationOfConnection.get(input.id)
      if (owner && owner.integration_id !== input.integrationId) {
        throw new PatchbayError(
          'bad_request',
          `connection ${input.id} belongs to integration ${owner.integration_id}`,
          { details: { connection_id: input.id, integration_id: owner.integration_id } },
        )
      }
      sql.saveConnectionQuietly.run({
        id: input.id,
        integrationId: input.integrationId,
        settings: JSON.stringify(input.settings),
        credentialsSealed: seal(keyRing, JSON.stringify(input.credentials), aad.credentials(input.id)),
        accountName: input.accountName ?? null,
        status: input.status ?? 'active',
        expiresAt: input.expiresAt ?? null,
        createdBy: input.createdBy ?? null,
        issuedAt: input.issuedAt ?? now,
        renewable: renewableValue(input.renewable),
        now,
      })
    }
    return inputs.length
  })

  // One statement per filter and position, each through the index of its filter.
  const pageStatements = new Map<string, Database.Statement<Record<string, string | number>, SummaryRow>>()
  function pageStatement(query: ConnectionQuery, after: boolean) {
    const key = `${query.integrationId !== undefined}${query.status !== undefined}${after}`
    let statement = pageStatements.get(key)
    if (!statement) {
      const where: string[] = []
      if (query.integrationId !== undefined) where.push('integration_id = @integrationId')
      if (query.status !== undefined) where.push('status = @status')
      if (after) where.push('(created_at, id) > (@createdAt, @id)')
      const index =
        query.integrationId !== undefined
          ? 'connections_integration_created'
          : query.status !== undefined
            ? 'connections_status_created'
            : 'connections_created'
      statement = db.prepare(`
        SELECT ${SUMMARY_COLUMNS} FROM connections INDEXED BY ${index}
        ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY created_at, id LIMIT @limit`)
      pageStatements.set(key, statement)
    }
    return statement
  }

  /** One UPDATE of the patched columns (plus `extra` ones), returning the row. */
  function patchConnection(
    id: string,
    patch: ConnectionPatch,
    extra: string[] = [],
  ): ConnectionRow | undefined {
      const sets: string[] = ['version = version + 1', ...extra]
      const values: (string | number | null)[] = []
      const set = (column: string, value: string | number | null) => {
        sets.push(`${column} = ?`)
        values.push(value)
      }
      if (patch.settings !== undefined) set('settings', JSON.stringify(patch.settings))
      if (patch.credentials !== undefined) {
        const text = JSON.stringify(patch.credentials)
        set('credentials_sealed', seal(keyRing, text, aad.credentials(id)))
        if (patch.renewable === undefined) set('renewable', null)
      }
      if (patch.renewable !== undefined) set('renewable', renewableValue(patch.renewable))
      if (patch.accountName !== undefined) set('account_name', patch.accountName)
      if (patch.status !== undefined) set('status', patch.status)
      if (patch.expiresAt !== undefined) set('expires_at', patch.expiresAt)
      if (patch.lastError !== undefined) set('last_error', patch.lastError)
      if (patch.issuedAt !== undefined) set('issued_at', patch.issuedAt)
      set('updated_at', nowSeconds())
      const statement = `UPDATE connections SET ${sets.join(', ')} WHERE id = ?
        RETURNING ${CONNECTION_COLUMNS}`
      return db.prepare<(string | number | null)[], ConnectionRow>(statement).get(...values, id)
  }

  const updateConnection = db.transaction(patchConnection)

  // Check and write in one IMMEDIATE transaction: no other process can take the lease between.
  const settleRefresh = db.transaction(
    (
      id: string,
      fence: { holder: string; attemptId: string | null },
      patch: ConnectionPatch,
    ): ConnectionRow | undefined => {
      const lease = sql.leaseOf.get(id)
      if (!lease || lease.refresh_lease_holder !== fence.holder) return undefined
      if (lease.refresh_attempt_id !== fence.attemptId) return undefined
      return patchConnection(id, patch, [
        'refresh_attempt_id = NULL',
        'refresh_attempt_started_ms = NULL',
        'refresh_attempt_token_digest = NULL',
      ])
    },
  )

  const writeWebhookSecret = integrationWebhookSecretWriter(db, keyRing)

  return {
    ...sqliteWebhookMethods(db, keyRing),
    ...sqliteEventMethods(db),
    async putConnector(id, definition) {
      const now = nowSeconds()
      return toConnector(sql.putConnector.get(id, JSON.stringify(definition), now, now)!)
    },
    async getConnector(id) {
      const row = sql.getConnector.get(id)
      return row ? toConnector(row) : null
    },
    async listConnectors() {
      return sql.listConnectors.all().map(toConnector)
    },
    async deleteConnector(id) {
      return sql.deleteConnector.run(id).changes > 0
    },

    async putIntegration(input: IntegrationInput) {
      const secret = input.clientSecret ?? null
      const sealed = secret === null ? null : seal(keyRing, secret, aad.clientSecret(input.id))
      const row = sql.putIntegration.get({
        id: input.id,
        connectorId: input.connectorId,
        clientId: input.clientId ?? null,
        clientSecretSealed: sealed,
        scopes: input.scopes == null ? null : JSON.stringify(input.scopes),
        redirectUri: input.redirectUri ?? null,
        signinRedirectUris:
          input.signinRedirectUris == null ? null : JSON.stringify(input.signinRedirectUris),
        now: nowSeconds(),
      })!
      if (input.webhookSecret !== undefined) {
        writeWebhookSecret(input.id, input.webhookSecret)
        return rememberIntegration(sql.getIntegration.get(input.id)!)
      }
      return rememberIntegration(row)
    },
    async getIntegration(id) {
      return getIntegration(id)
    },
    async listIntegrations() {
      return sql.listIntegrations.all().map(toListedIntegration)
    },
    async deleteIntegration(id) {
      const deleted = deleteIntegration.immediate(id)
      cachedIntegrations.delete(id)
      return deleted
    },

    async saveConnection(input) {
      if (input.status !== undefined) assertStatus(input.status)
      return rememberConnection(saveConnection.immediate(input))
    },
    async getConnection(id) {
      return getConnection(id)
    },
    async getConnectionWithIntegration(id) {
      // Both cached: one read of both versions answers. Otherwise each is read as on its own.
      if (cachedConnections.has(id)) {
        const versions = sql.connectionVersions.get(id)
        if (!versions) {
          cachedConnections.delete(id)
          return null
        }
        const connection = cachedConnections.get(id, versions.connection_version)
        const integration =
          versions.integration_version === null
            ? undefined
            : cachedIntegrations.get(versions.integration_id, versions.integration_version)
        if (connection && integration) {
          return { connection: copyConnection(connection), integration: copyIntegration(integration) }
        }
      }
      const connection = getConnection(id)
      if (!connection) return null
      return { connection, integration: getIntegration(connection.integrationId) }
    },
    async listConnections(filter) {
      const rows =
        filter?.integrationId === undefined
          ? sql.listConnections.all()
          : sql.listConnectionsOf.all(filter.integrationId)
      return rows.map(rememberConnection)
    },
    async pageConnections(query): Promise<ConnectionPage> {
      assertPageSize(query.limit)
      if (query.status !== undefined) assertStatus(query.status)
      const position = query.cursor ? decodeCursor(query.cursor) : null
      const params: Record<string, string | number> = { limit: query.limit + 1 }
      if (query.integrationId !== undefined) params['integrationId'] = query.integrationId
      if (query.status !== undefined) params['status'] = query.status
      if (position) {
        params['createdAt'] = position.createdAt
        params['id'] = position.id
      }
      const rows = pageStatement(query, position !== null).all(params)
      const more = rows.length > query.limit
      const connections = (more ? rows.slice(0, query.limit) : rows).map(toSummary)
      const last = connections.at(-1)
      return {
        connections,
        nextCursor: more && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null,
      }
    },
    async dueForRefresh(withinMs, limit, now = Date.now()) {
      if (!Number.isFinite(withinMs) || !Number.isInteger(limit) || limit < 1) {
        throw new TypeError('dueForRefresh takes a finite window (ms) and a positive integer limit')
      }
      const horizon = Math.floor((now + withinMs) / 1000)
      return sql.dueForRefresh.all({ horizon, limit }).map((row) => ({
        id: row.id,
        expiresAt: row.expires_at,
      }))
    },
    async claimDueForRefresh(withinMs, limit, claimMs, now = Date.now()) {
      assertWindow('claimDueForRefresh', withinMs, limit)
      if (!(Number.isFinite(claimMs) && claimMs > 0)) throw new TypeError('claimDueForRefresh takes a positive claim (ms)')
      const horizon = Math.floor((now + withinMs) / 1000)
      const rows = sql.claimDue.all({ horizon, limit, now, until: now + claimMs, nowSeconds: Math.floor(now / 1000) })
      // RETURNING follows the update's order, which the subquery's does not fix.
      return rows
        .map((row) => ({ id: row.id, expiresAt: row.expires_at }))
        .sort((a, b) => a.expiresAt - b.expiresAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    },
    async countDueForRefresh(withinMs, cap, now = Date.now()) {
      assertWindow('countDueForRefresh', withinMs, cap)
      return (
        sql.countDue.get({ horizon: Math.floor((now + withinMs) / 1000), cap, nowSeconds: Math.floor(now / 1000) })
          ?.due ?? 0
      )
    },
    async claimDueForCheck(intervalMs, limit, now = Date.now()) {
      assertWindow('claimDueForCheck', intervalMs, limit)
      const at = Math.floor(now / 1000)
      const rows = sql.claimCheck.all({ cutoff: Math.floor((now - intervalMs) / 1000), limit, now: at })
      return rows.map((row) => row.id).sort()
    },
    async lastCheckedAt(id) {
      const checked = sql.lastChecked.get({ id })?.checked_at
      return checked ? checked : null
    },
    async saveConnections(inputs) {
      for (const input of inputs) if (input.status !== undefined) assertStatus(input.status)
      return saveConnections.immediate(inputs)
    },
    async integrationsOfConnections(ids) {
      const rows = sql.integrationsOfConnections.all(JSON.stringify(ids))
      return new Map(rows.map((row) => [row.id, row.integration_id]))
    },
    async updateConnection(id, patch) {
      if (patch.status !== undefined) assertStatus(patch.status)
      const row = updateConnection.immediate(id, patch)
      return row ? rememberConnection(row) : null
    },
    async deleteConnection(id) {
      cachedConnections.delete(id)
      return sql.deleteConnection.run(id).changes > 0
    },

    async acquireRefreshLease(connectionId, holder, ttlMs, now = Date.now()) {
      const lease = { id: connectionId, holder, until: now + ttlMs, now }
      return sql.acquireLease.run(lease).changes === 1
    },
    async releaseRefreshLease(connectionId, holder) {
      sql.releaseLease.run(connectionId, holder)
    },
    async recordRefreshAttempt(connectionId, holder, attempt) {
      return sql.recordAttempt.run({ connectionId, holder, ...attempt }).changes === 1
    },
    async settleRefresh(connectionId, fence, patch) {
      if (patch.status !== undefined) assertStatus(patch.status)
      const row = settleRefresh.immediate(connectionId, fence, patch)
      return row ? rememberConnection(row) : null
    },
    async listRefreshAttempts(): Promise<PendingRefreshAttempt[]> {
      return sql.listAttempts.all().map((row) => ({
        connectionId: row.id,
        id: row.refresh_attempt_id,
        startedAt: row.refresh_attempt_started_ms,
        tokenDigest: row.refresh_attempt_token_digest,
        leaseHolder: row.refresh_lease_holder,
        leaseUntil: row.refresh_lease_until_ms,
      }))
    },

    async createAuthSession(session: AuthSession) {
      const stateHash = digestToken(session.state)
      const data = seal(keyRing, JSON.stringify(session.data), aad.authData(stateHash))
      try {
        sql.createAuthSession.run(
          stateHash,
          session.integrationId,
          session.connectionId,
          session.redirect,
          data,
          session.expiresAt,
          nowSeconds(),
        )
      } catch (error) {
        if (!isUniqueViolation(error)) throw error
        throw new PatchbayError('bad_request', 'an auth session with this state already exists')
      }
    },
    async takeAuthSession(state, now) {
      const stateHash = digestToken(state)
      const row = sql.takeAuthSession.get(stateHash)
      // Sweeping here, with the caller's clock, keeps abandoned flows from piling up.
      sql.sweepAuthSessions.run(now)
      if (!row || row.expires_at <= now) return null
      const data = open(keyRing, row.data_sealed, aad.authData(stateHash))
      return {
        state,
        integrationId: row.integration_id,
        connectionId: row.connection_id,
        redirect: row.redirect,
        data: parseObject(data, 'auth session data'),
        expiresAt: row.expires_at,
      }
    },

    async createConnectSession(session: ConnectSession) {
      try {
        sql.createConnectSession.run(
          digestToken(session.token),
          session.integrationId,
          session.connectionId,
          session.redirect,
          session.endUser,
          session.expiresAt,
          nowSeconds(),
          session.createdBy ?? null,
          session.integrationIds ? JSON.stringify(session.integrationIds) : null,
        )
      } catch (error) {
        if (!isUniqueViolation(error)) throw error
        throw new PatchbayError('bad_request', 'a connect session with this token already exists')
      }
    },
    async getConnectSession(token, now) {
      sql.sweepConnectSessions.run(now)
      const row = sql.getConnectSession.get(digestToken(token), now)
      if (!row) return null
      return {
        token,
        integrationId: row.integration_id,
        connectionId: row.connection_id,
        redirect: row.redirect,
        endUser: row.end_user,
        expiresAt: row.expires_at,
        ...(row.created_by === null ? {} : { createdBy: row.created_by }),
        ...(row.integration_ids === null
          ? {}
          : { integrationIds: JSON.parse(row.integration_ids) as string[] }),
      }
    },
    async consumeConnectSession(token, now) {
      return sql.consumeConnectSession.run({ tokenHash: digestToken(token), now }).changes === 1
    },

    async createApiKey(input: ApiKeyInput) {
      if (!/^[0-9a-f]{64}$/.test(input.keyHash)) {
        throw new TypeError('keyHash must be a hex SHA-256 digest')
      }
      try {
        const row = sql.createApiKey.get(
          input.id,
          input.name ?? null,
          input.keyHash,
          input.createdBy ?? null,
          nowSeconds(),
        )!
        return toApiKey(row)
      } catch (error) {
        if (!isUniqueViolation(error)) throw error
        throw new PatchbayError('bad_request', `an API key with id ${input.id} already exists`)
      }
    },
    async listApiKeys() {
      return sql.listApiKeys.all().map(toApiKey)
    },
    async findApiKeyByHash(keyHash) {
      const row = sql.findApiKeyByHash.get(keyHash)
      return row ? toApiKey(row) : null
    },
    async touchApiKey(id, now) {
      sql.touchApiKey.run(now, id)
    },
    async revokeApiKey(id, now) {
      const row = sql.revokeApiKey.get(now, id)
      return row ? toApiKey(row) : null
    },

    async ping() {
      sql.ping.get()
    },

    async sealingKeys() {
      return sealingKeys(db, keyRing)
    },
    async readResealBatch(from, limit) {
      return readResealBatch(db, keyRing, from, limit)
    },
    async writeResealBatch(items) {
      return writeResealBatch(db, keyRing, items)
    },

    async close() {
      cachedConnections.clear()
      cachedIntegrations.clear()
      if (db.open) db.close()
    },
  }
}
