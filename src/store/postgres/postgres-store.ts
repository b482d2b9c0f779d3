import { PatchbayError } from '../../errors.js'
import type { JsonValue } from '../../errors.js'
import { digestToken } from '../digest.js'
import { open, seal } from '../seal.js'
import type { KeyRing } from '../seal.js'
import type {
  ApiKey,
  ApiKeyInput,
  AuthSession,
  Connection,
  ConnectionInput,
  ConnectionPatch,
  ConnectionStatus,
  ConnectSession,
  Integration,
  IntegrationInput,
  PendingRefreshAttempt,
  Store,
  StoredConnector,
} from '../types.js'
import { unreadableConnection, unreadableIntegration } from '../unreadable.js'
import { openDatabase } from './database.js'
import type { Database, Queryable } from './database.js'
import { migrate } from './migrations.js'
import { assertSealingKeysConfigured, resealSecrets, upgradeLegacyKeyIds } from './sealing-keys.js'
import {
  openIntegrationWebhookSecret,
  pgWebhookMethods,
  sealIntegrationWebhookSecret,
} from './webhooks.js'

/** Options of {@link openPostgresStore}. */
export interface PostgresStoreOptions {
  /**
   * `postgres://user:password@host:port/database` (or `postgresql://`). A `schema` query
   * parameter picks the schema (default `public`); the others are the driver's (`sslmode`…).
   */
  url: string
  /** Seals client secrets, credentials and auth session data. */
  keyRing: KeyRing
  /** The schema to use, instead of the URL's `schema` parameter. */
  schema?: string
  /** At most this many connections per process (default 10). */
  maxConnections?: number
  /** How long to wait for a connection before failing `store_unavailable` (default 5000 ms). */
  connectTimeoutMs?: number
}

type JsonObject = { [key: string]: JsonValue }

interface ConnectorRow {
  id: string
  definition: string
  created_at: number
  updated_at: number
}

interface IntegrationRow {
  id: string
  connector_id: string
  client_id: string | null
  client_secret_sealed: string | null
  scopes: string | null
  redirect_uri: string | null
  webhook_secret_sealed: string | null
  created_at: number
  updated_at: number
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
}

interface RefreshAttemptRow {
  id: string
  refresh_attempt_id: string
  refresh_attempt_started_ms: number
  refresh_attempt_token_digest: string | null
  refresh_lease_holder: string | null
  refresh_lease_until_ms: number | null
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

interface ApiKeyRow {
  id: string
  name: string | null
  created_by: string | null
  created_at: number
  last_used_at: number | null
  revoked_at: number | null
}

const STATUSES: readonly ConnectionStatus[] = ['active', 'needs_reauth', 'error']

const API_KEY_COLUMNS = 'id, name, created_by, created_at, last_used_at, revoked_at'

const CONNECTION_COLUMNS = `id, integration_id, settings, credentials_sealed, account_name, status,
  expires_at, last_error, created_by, created_at, updated_at, issued_at, refresh_attempt_id,
  refresh_attempt_started_ms, refresh_attempt_token_digest`

// A schema name goes into the connection's options and into DDL: plain identifiers only.
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/

// Associated data binds each sealed value to its row and column (DESIGN.md, security rules).
const aad = {
  clientSecret: (id: string) => `integrations:${id}:client_secret`,
  credentials: (id: string) => `connections:${id}:credentials`,
  authData: (stateHash: string) => `auth_sessions:${stateHash}:data`,
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000)
}

function assertStatus(status: string): void {
  if (!STATUSES.includes(status as ConnectionStatus)) {
    throw new TypeError(`connection status must be one of ${STATUSES.join(', ')}, got ${status}`)
  }
}

function parseObject(text: string, what: string): JsonObject {
  const value = JSON.parse(text) as JsonValue
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PatchbayError('internal', `stored ${what} is not a JSON object`)
  }
  return value
}

function isViolation(error: unknown, sqlState: '23505' | '23503'): boolean {
  return (error as { code?: unknown }).code === sqlState
}

/**
 * Splits a PostgreSQL URL into the driver's connection string and the schema to use.
 * @throws TypeError when it is not a postgres:// URL or the schema is not a plain identifier;
 *   the message never repeats the URL, which may hold a password.
 */
export function parsePostgresUrl(
  url: string,
  schemaOverride?: string,
): { connectionString: string; schema: string } {
  if (!/^postgres(ql)?:\/\//i.test(url) || !URL.canParse(url)) {
    throw new TypeError('the PostgreSQL URL must look like postgres://user@host:5432/database')
  }
  const parsed = new URL(url)
  const schema = schemaOverride ?? parsed.searchParams.get('schema') ?? 'public'
  parsed.searchParams.delete('schema')
  if (!SCHEMA_NAME.test(schema)) {
    throw new TypeError(
      `the PostgreSQL schema must be 1-63 letters, digits and _ (not starting with a digit), got "${schema}"`,
    )
  }
  return { connectionString: parsed.href, schema }
}

/**
 * Opens a PostgreSQL store: creates the schema and applies the migrations (once, under an
 * advisory lock, however many instances start together), then checks that the key ring holds
 * every key the stored values need. Several Patchbay processes may share one database; the
 * refresh lease and every conditional write hold across them. Secrets are sealed with `keyRing`
 * before they are written.
 *
 * @example
 * const store = await openPostgresStore({ url: process.env.PATCHBAY_DB!, keyRing })
 * @throws PatchbayError `store_unavailable` when the server cannot be reached, `invalid_config`
 *   when the database needs a key the ring lacks
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const { keyRing } = options
  const { connectionString, schema } = parsePostgresUrl(options.url, options.schema)
  const db = await openDatabase({
    connectionString,
    schema,
    ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
    ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
  })
  try {
    await db.withClient((client) => migrate(client, schema))
    await db.run('DELETE FROM auth_sessions WHERE expires_at <= $1', [nowSeconds()])
    await upgradeLegacyKeyIds(db, keyRing)
    await assertSealingKeysConfigured(db, keyRing)
  } catch (error) {
    await db.close()
    throw error
  }
  return postgresStore(db, keyRing)
}

function postgresStore(db: Database, keyRing: KeyRing): Store {
  function toApiKey(row: ApiKeyRow): ApiKey {
    return {
      id: row.id,
      name: row.name,
      createdBy: row.created_by,
      createdAt: row.created_at,
      lastUsedAt: row.last_used_at,
      revokedAt: row.revoked_at,
    }
  }

  function toConnector(row: ConnectorRow): StoredConnector {
    return {
      id: row.id,
      definition: parseObject(row.definition, `definition of connector ${row.id}`),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    }
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
      return unreadableConnection(connection, error)
    }
    connection.credentials = parseObject(credentials, `credentials of connection ${row.id}`)
    return connection
  }

  /**
   * One UPDATE of the patched columns, plus `extra` assignments, under `where` (the id is `$1`;
   * `whereValues` follow it), returning the row.
   */
  async function patchConnection(
    q: Queryable,
    id: string,
    patch: ConnectionPatch,
    extra: string[] = [],
    where = '',
    whereValues: unknown[] = [],
  ): Promise<ConnectionRow | undefined> {
    const values: unknown[] = [id, ...whereValues]
    const sets: string[] = [...extra]
    const set = (column: string, value: unknown) => {
      values.push(value)
      sets.push(`${column} = $${values.length}`)
    }
    if (patch.settings !== undefined) set('settings', JSON.stringify(patch.settings))
    if (patch.credentials !== undefined) {
      const text = JSON.stringify(patch.credentials)
      set('credentials_sealed', seal(keyRing, text, aad.credentials(id)))
    }
    if (patch.accountName !== undefined) set('account_name', patch.accountName)
    if (patch.status !== undefined) set('status', patch.status)
    if (patch.expiresAt !== undefined) set('expires_at', patch.expiresAt)
    if (patch.lastError !== undefined) set('last_error', patch.lastError)
    if (patch.issuedAt !== undefined) set('issued_at', patch.issuedAt)
    set('updated_at', nowSeconds())
    const [row] = await q.query<ConnectionRow>(
      `UPDATE connections SET ${sets.join(', ')} WHERE id = $1 ${where}
       RETURNING ${CONNECTION_COLUMNS}`,
      values,
    )
    return row
  }

  return {
    ...pgWebhookMethods(db, keyRing),
    async putConnector(id, definition) {
      const now = nowSeconds()
      const [row] = await db.query<ConnectorRow>(
        `INSERT INTO connectors (id, definition, created_at, updated_at) VALUES ($1, $2, $3, $3)
         ON CONFLICT (id) DO UPDATE SET definition = excluded.definition,
           updated_at = excluded.updated_at
         RETURNING *`,
        [id, JSON.stringify(definition), now],
      )
      return toConnector(row!)
    },
    async getConnector(id) {
      const [row] = await db.query<ConnectorRow>('SELECT * FROM connectors WHERE id = $1', [id])
      return row ? toConnector(row) : null
    },
    async listConnectors() {
      return (await db.query<ConnectorRow>('SELECT * FROM connectors ORDER BY id')).map(toConnector)
    },
    async deleteConnector(id) {
      return (await db.run('DELETE FROM connectors WHERE id = $1', [id])) > 0
    },

    async putIntegration(input: IntegrationInput) {
      const secret = input.clientSecret ?? null
      const sealed = secret === null ? null : seal(keyRing, secret, aad.clientSecret(input.id))
      const values: unknown[] = [
        input.id,
        input.connectorId,
        input.clientId ?? null,
        sealed,
        input.scopes == null ? null : JSON.stringify(input.scopes),
        input.redirectUri ?? null,
        nowSeconds(),
      ]
      // Left out (undefined), the stored webhook secret is kept; null removes it.
      const webhook = input.webhookSecret !== undefined
      if (webhook) {
        values.push(sealIntegrationWebhookSecret(keyRing, input.id, input.webhookSecret ?? null))
      }
      const [row] = await db.query<IntegrationRow>(
        `INSERT INTO integrations (id, connector_id, client_id, client_secret_sealed, scopes,
           redirect_uri, created_at, updated_at${webhook ? ', webhook_secret_sealed' : ''})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7${webhook ? ', $8' : ''})
         ON CONFLICT (id) DO UPDATE SET connector_id = excluded.connector_id,
           client_id = excluded.client_id, client_secret_sealed = excluded.client_secret_sealed,
           scopes = excluded.scopes, redirect_uri = excluded.redirect_uri,
           updated_at = excluded.updated_at
           ${webhook ? ', webhook_secret_sealed = excluded.webhook_secret_sealed' : ''}
         RETURNING *`,
        values,
      )
      return toIntegration(row!)
    },
    async getIntegration(id) {
      const [row] = await db.query<IntegrationRow>('SELECT * FROM integrations WHERE id = $1', [id])
      return row ? toIntegration(row) : null
    },
    async listIntegrations() {
      const rows = await db.query<IntegrationRow>('SELECT * FROM integrations ORDER BY id')
      return rows.map(toListedIntegration)
    },
    async deleteIntegration(id) {
      return db.transaction(async (tx) => {
        // Locking the row makes a connection saved meanwhile wait (its foreign key check shares
        // the lock), so the count cannot go stale before the delete.
        const found = await tx.query('SELECT id FROM integrations WHERE id = $1 FOR UPDATE', [id])
        if (found.length === 0) return false
        const [{ n } = { n: 0 }] = await tx.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM connections WHERE integration_id = $1',
          [id],
        )
        if (n > 0) {
          throw new PatchbayError(
            'bad_request',
            `integration ${id} still has ${n} connection(s); delete them before the integration`,
            { details: { integrationId: id, connections: n } },
          )
        }
        return (await tx.run('DELETE FROM integrations WHERE id = $1', [id])) > 0
      })
    },

    async saveConnection(input: ConnectionInput) {
      if (input.status !== undefined) assertStatus(input.status)
      const now = nowSeconds()
      // A replace is a re-authorization: all but the creation facts and the refresh lease
      // changes, the previous error no longer applies, and a refresh attempt in flight is
      // forgotten so its holder cannot settle it over the new credentials.
      try {
        const [row] = await db.query<ConnectionRow>(
          `INSERT INTO connections (id, integration_id, settings, credentials_sealed,
             account_name, status, expires_at, last_error, created_by, created_at, updated_at,
             issued_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, $9, $9, $10)
           ON CONFLICT (id) DO UPDATE SET integration_id = excluded.integration_id,
             settings = excluded.settings, credentials_sealed = excluded.credentials_sealed,
             account_name = excluded.account_name, status = excluded.status,
             expires_at = excluded.expires_at, last_error = NULL,
             updated_at = excluded.updated_at, issued_at = excluded.issued_at,
             refresh_attempt_id = NULL, refresh_attempt_started_ms = NULL,
             refresh_attempt_token_digest = NULL
           RETURNING ${CONNECTION_COLUMNS}`,
          [
            input.id,
            input.integrationId,
            JSON.stringify(input.settings),
            seal(keyRing, JSON.stringify(input.credentials), aad.credentials(input.id)),
            input.accountName ?? null,
            input.status ?? 'active',
            input.expiresAt ?? null,
            input.createdBy ?? null,
            now,
            input.issuedAt ?? now,
          ],
        )
        return toConnection(row!)
      } catch (error) {
        if (!isViolation(error, '23503')) throw error
        throw new PatchbayError(
          'bad_request',
          `cannot save connection ${input.id}: integration ${input.integrationId} does not exist`,
          { details: { connectionId: input.id, integrationId: input.integrationId } },
        )
      }
    },
    async getConnection(id) {
      const [row] = await db.query<ConnectionRow>(
        `SELECT ${CONNECTION_COLUMNS} FROM connections WHERE id = $1`,
        [id],
      )
      return row ? toConnection(row) : null
    },
    async getConnectionWithIntegration(id) {
      // One round trip for both rows, the hot path of every use of a connection.
      const [row] = await db.query<{ c: ConnectionRow; i: IntegrationRow | null }>(
        `SELECT row_to_json(c) AS c, row_to_json(i) AS i
         FROM (SELECT ${CONNECTION_COLUMNS} FROM connections WHERE id = $1) AS c
         LEFT JOIN integrations AS i ON i.id = c.integration_id`,
        [id],
      )
      if (!row) return null
      return { connection: toConnection(row.c), integration: row.i && toIntegration(row.i) }
    },
    async listConnections(filter) {
      const rows =
        filter?.integrationId === undefined
          ? await db.query<ConnectionRow>(
              `SELECT ${CONNECTION_COLUMNS} FROM connections ORDER BY created_at, id`,
            )
          : await db.query<ConnectionRow>(
              `SELECT ${CONNECTION_COLUMNS} FROM connections WHERE integration_id = $1
               ORDER BY created_at, id`,
              [filter.integrationId],
            )
      return rows.map(toConnection)
    },
    async updateConnection(id, patch) {
      if (patch.status !== undefined) assertStatus(patch.status)
      const row = await patchConnection(db, id, patch)
      return row ? toConnection(row) : null
    },
    async deleteConnection(id) {
      return (await db.run('DELETE FROM connections WHERE id = $1', [id])) > 0
    },

    // The lease is a row lease: one conditional UPDATE takes it, so of two processes racing for
    // it the second re-reads the row the first committed and finds it held (READ COMMITTED
    // re-checks the WHERE clause on the newest row). See docs/decisions.md for why not an
    // advisory lock.
    async acquireRefreshLease(connectionId, holder, ttlMs, now = Date.now()) {
      const taken = await db.run(
        `UPDATE connections SET refresh_lease_holder = $2, refresh_lease_until_ms = $3
         WHERE id = $1 AND (refresh_lease_holder IS NULL OR refresh_lease_until_ms <= $4
           OR refresh_lease_holder = $2)`,
        [connectionId, holder, now + ttlMs, now],
      )
      return taken === 1
    },
    async releaseRefreshLease(connectionId, holder) {
      await db.run(
        `UPDATE connections SET refresh_lease_holder = NULL, refresh_lease_until_ms = NULL
         WHERE id = $1 AND refresh_lease_holder = $2`,
        [connectionId, holder],
      )
    },
    async recordRefreshAttempt(connectionId, holder, attempt) {
      const recorded = await db.run(
        `UPDATE connections SET refresh_attempt_id = $3, refresh_attempt_started_ms = $4,
           refresh_attempt_token_digest = $5
         WHERE id = $1 AND refresh_lease_holder = $2`,
        [connectionId, holder, attempt.id, attempt.startedAt, attempt.tokenDigest],
      )
      return recorded === 1
    },
    async settleRefresh(connectionId, fence, patch) {
      if (patch.status !== undefined) assertStatus(patch.status)
      // Compare-and-set in one statement: written only while the fence still holds.
      const row = await patchConnection(
        db,
        connectionId,
        patch,
        [
          'refresh_attempt_id = NULL',
          'refresh_attempt_started_ms = NULL',
          'refresh_attempt_token_digest = NULL',
        ],
        'AND refresh_lease_holder = $2 AND refresh_attempt_id IS NOT DISTINCT FROM $3',
        [fence.holder, fence.attemptId],
      )
      return row ? toConnection(row) : null
    },
    async listRefreshAttempts(): Promise<PendingRefreshAttempt[]> {
      const rows = await db.query<RefreshAttemptRow>(
        `SELECT id, refresh_attempt_id, refresh_attempt_started_ms, refresh_attempt_token_digest,
           refresh_lease_holder, refresh_lease_until_ms
         FROM connections WHERE refresh_attempt_id IS NOT NULL
         ORDER BY refresh_attempt_started_ms, id`,
      )
      return rows.map((row) => ({
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
      const added = await db.run(
        `INSERT INTO auth_sessions (state_hash, integration_id, connection_id, redirect,
           data_sealed, expires_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (state_hash) DO NOTHING`,
        [
          stateHash,
          session.integrationId,
          session.connectionId,
          session.redirect,
          data,
          session.expiresAt,
          nowSeconds(),
        ],
      )
      if (added === 0) {
        throw new PatchbayError('bad_request', 'an auth session with this state already exists')
      }
    },
    async takeAuthSession(state, now) {
      const stateHash = digestToken(state)
      const [row] = await db.query<AuthSessionRow>(
        `DELETE FROM auth_sessions WHERE state_hash = $1
         RETURNING integration_id, connection_id, redirect, data_sealed, expires_at`,
        [stateHash],
      )
      // Sweeping here, with the caller's clock, keeps abandoned flows from piling up.
      await db.run('DELETE FROM auth_sessions WHERE expires_at <= $1', [now])
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
      const added = await db.run(
        `INSERT INTO connect_sessions (token_hash, integration_id, connection_id, redirect,
           end_user, expires_at, created_at, created_by, integration_ids)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (token_hash) DO NOTHING`,
        [
          digestToken(session.token),
          session.integrationId,
          session.connectionId,
          session.redirect,
          session.endUser,
          session.expiresAt,
          nowSeconds(),
          session.createdBy ?? null,
          session.integrationIds ? JSON.stringify(session.integrationIds) : null,
        ],
      )
      if (added === 0) {
        throw new PatchbayError('bad_request', 'a connect session with this token already exists')
      }
    },
    async getConnectSession(token, now) {
      await db.run('DELETE FROM connect_sessions WHERE expires_at <= $1', [now])
      const [row] = await db.query<ConnectSessionRow>(
        `SELECT integration_id, connection_id, redirect, end_user, expires_at, created_by,
           integration_ids
         FROM connect_sessions WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2`,
        [digestToken(token), now],
      )
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
      const used = await db.run(
        `UPDATE connect_sessions SET used_at = $2
         WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2`,
        [digestToken(token), now],
      )
      return used === 1
    },

    async createApiKey(input: ApiKeyInput) {
      if (!/^[0-9a-f]{64}$/.test(input.keyHash)) {
        throw new TypeError('keyHash must be a hex SHA-256 digest')
      }
      try {
        const [row] = await db.query<ApiKeyRow>(
          `INSERT INTO api_keys (id, name, key_hash, created_by, created_at)
           VALUES ($1, $2, $3, $4, $5) RETURNING ${API_KEY_COLUMNS}`,
          [input.id, input.name ?? null, input.keyHash, input.createdBy ?? null, nowSeconds()],
        )
        return toApiKey(row!)
      } catch (error) {
        const onId = (error as { constraint?: unknown }).constraint === 'api_keys_pkey'
        if (!isViolation(error, '23505') || !onId) throw error
        throw new PatchbayError('bad_request', `an API key with id ${input.id} already exists`)
      }
    },
    async listApiKeys() {
      const rows = await db.query<ApiKeyRow>(
        `SELECT ${API_KEY_COLUMNS} FROM api_keys ORDER BY created_at, id`,
      )
      return rows.map(toApiKey)
    },
    async findApiKeyByHash(keyHash) {
      const [row] = await db.query<ApiKeyRow>(
        `SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE key_hash = $1`,
        [keyHash],
      )
      return row ? toApiKey(row) : null
    },
    async touchApiKey(id, now) {
      await db.run('UPDATE api_keys SET last_used_at = $1 WHERE id = $2', [now, id])
    },
    async revokeApiKey(id, now) {
      const [row] = await db.query<ApiKeyRow>(
        `UPDATE api_keys SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2
         RETURNING ${API_KEY_COLUMNS}`,
        [now, id],
      )
      return row ? toApiKey(row) : null
    },

    async ping() {
      await db.query('SELECT 1')
    },

    async resealSecrets() {
      return resealSecrets(db, keyRing)
    },

    async close() {
      await db.close()
    },
  }
}
