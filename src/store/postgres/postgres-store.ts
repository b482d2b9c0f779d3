import { PatchbayError } from '../../errors.js'
import type { JsonValue } from '../../errors.js'
import { assertPageSize, decodeCursor, encodeCursor } from '../cursor.js'
import { digestToken } from '../digest.js'
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
import { unreadableConnection, unreadableCredentials, unreadableIntegration } from '../unreadable.js'
import { openDatabase } from './database.js'
import type { Database, Queryable } from './database.js'
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
import {
  openIntegrationWebhookSecret,
  pgWebhookMethods,
  sealIntegrationWebhookSecret,
} from './webhooks.js'
import { pgEventMethods } from './events.js'

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
  refresh_attempt_started_ms, refresh_attempt_token_digest`

// The head of a sealed value holds its format and key id (at most 3 + 1 + 64 characters).
const SUMMARY_COLUMNS = `id, integration_id, settings, substr(credentials_sealed, 1, 80) AS sealed_head,
  account_name, status, expires_at, last_error, created_by, created_at, updated_at, issued_at`

// A replace is a re-authorization: all but the creation facts and the refresh lease changes, the
// previous error no longer applies, and a refresh attempt in flight is forgotten so its holder
// cannot settle it over the new credentials. Followed by VALUES (…) or a SELECT of the columns.
const UPSERT_CONNECTION = `
  INSERT INTO connections AS c (id, integration_id, settings, credentials_sealed, account_name,
    status, expires_at, created_by, issued_at, renewable, last_error, created_at, updated_at)`
const UPSERT_CONNECTION_ON_CONFLICT = `
  ON CONFLICT (id) DO UPDATE SET integration_id = excluded.integration_id,
    settings = excluded.settings, credentials_sealed = excluded.credentials_sealed,
    account_name = excluded.account_name, status = excluded.status,
    expires_at = excluded.expires_at, last_error = NULL,
    updated_at = excluded.updated_at, issued_at = excluded.issued_at,
    renewable = excluded.renewable, refresh_attempt_id = NULL,
    refresh_attempt_started_ms = NULL, refresh_attempt_token_digest = NULL`

// A schema name goes into the connection's options and into DDL: plain identifiers only.
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/

function isViolation(error: unknown, sqlState: '23505' | '23503'): boolean {
  return (error as { code?: unknown }).code === sqlState
}

/**
 * A refresh ahead of expiry waits for half the credentials' lifetime to pass (as the runtime's
 * margin does, refresh-timing.ts), so short-lived tokens are not claimed again and again.
 */
function pastHalfLife(nowSeconds: string): string {
  return `(issued_at IS NULL OR expires_at <= issued_at OR expires_at + issued_at <= 2 * ${nowSeconds}::bigint)`
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
    // shown once a use has found it (readConnection).
    const problem = sealedValueProblem(keyRing, row.sealed_head)
    if (problem === null) return summary
    const unreadable = unreadableCredentials(row.id, problem.reason, problem.keyId)
    return { ...summary, status: 'error', lastError: unreadable.reason }
  }

  /**
   * As {@link toConnection}, and damage found in opening the credentials is written down for
   * lists, which decrypt nothing (#9): only while the value is still the one that failed, so a
   * re-authorization meanwhile is not marked. A missing key is the configuration's fault, not the
   * row's (the connection comes back with the key), so that is not written down.
   */
  async function readConnection(row: ConnectionRow): Promise<Connection> {
    const connection = toConnection(row)
    const unreadable = connection.credentialsUnreadable
    if (unreadable && unreadable.code !== 'invalid_config') {
      await db.run(
        `UPDATE connections SET status = 'error', last_error = $3
         WHERE id = $1 AND credentials_sealed = $2
           AND (status <> 'error' OR last_error IS DISTINCT FROM $3)`,
        [row.id, row.credentials_sealed, unreadable.reason],
      )
    }
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
      // New credentials may renew differently: unknown unless the patch says.
      if (patch.renewable === undefined) set('renewable', null)
    }
    if (patch.renewable !== undefined) set('renewable', patch.renewable)
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
    ...pgEventMethods(db),
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
        input.signinRedirectUris == null ? null : JSON.stringify(input.signinRedirectUris),
        nowSeconds(),
      ]
      // Left out (undefined), the stored webhook secret is kept; null removes it.
      const webhook = input.webhookSecret !== undefined
      if (webhook) {
        values.push(sealIntegrationWebhookSecret(keyRing, input.id, input.webhookSecret ?? null))
      }
      const [row] = await db.query<IntegrationRow>(
        `INSERT INTO integrations (id, connector_id, client_id, client_secret_sealed, scopes,
           redirect_uri, signin_redirect_uris, created_at, updated_at
           ${webhook ? ', webhook_secret_sealed' : ''})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8${webhook ? ', $9' : ''})
         ON CONFLICT (id) DO UPDATE SET connector_id = excluded.connector_id,
           client_id = excluded.client_id, client_secret_sealed = excluded.client_secret_sealed,
           scopes = excluded.scopes, redirect_uri = excluded.redirect_uri,
           signin_redirect_uris = excluded.signin_redirect_uris,
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
            { details: { integration_id: id, connections: n } },
          )
        }
        return (await tx.run('DELETE FROM integrations WHERE id = $1', [id])) > 0
      })
    },

    async saveConnection(input: ConnectionInput) {
      if (input.status !== undefined) assertStatus(input.status)
      const now = nowSeconds()
      try {
        const [row] = await db.query<ConnectionRow>(
          `${UPSERT_CONNECTION}
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, $11, $11)
           ${UPSERT_CONNECTION_ON_CONFLICT}
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
            input.issuedAt ?? now,
            input.renewable ?? null,
            now,
          ],
        )
        return toConnection(row!)
      } catch (error) {
        if (!isViolation(error, '23503')) throw error
        throw new PatchbayError(
          'bad_request',
          `cannot save connection ${input.id}: integration ${input.integrationId} does not exist`,
          { details: { connection_id: input.id, integration_id: input.integrationId } },
        )
      }
    },
    async getConnection(id) {
      const [row] = await db.query<ConnectionRow>(
        `SELECT ${CONNECTION_COLUMNS} FROM connections WHERE id = $1`,
        [id],
      )
      return row ? readConnection(row) : null
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
      return { connection: await readConnection(row.c), integration: row.i && toIntegration(row.i) }
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
      return Promise.all(rows.map(readConnection))
    },
    async pageConnections(query: ConnectionQuery): Promise<ConnectionPage> {
      assertPageSize(query.limit)
      if (query.status !== undefined) assertStatus(query.status)
      const position = query.cursor ? decodeCursor(query.cursor) : null
      const where: string[] = []
      const values: unknown[] = []
      const param = (value: unknown) => {
        values.push(value)
        return `$${values.length}`
      }
      if (query.integrationId !== undefined) {
        where.push(`integration_id = ${param(query.integrationId)}`)
      }
      if (query.status !== undefined) where.push(`status = ${param(query.status)}`)
      if (position) {
        where.push(`(created_at, id) > (${param(position.createdAt)}, ${param(position.id)})`)
      }
      // Row comparison and ORDER BY on (created_at, id) match each filter's index.
      const rows = await db.query<SummaryRow>(
        `SELECT ${SUMMARY_COLUMNS} FROM connections
         ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY created_at, id LIMIT ${param(query.limit + 1)}`,
        values,
      )
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
      // The condition of the partial index connections_due, so the planner can use it.
      const rows = await db.query<{ id: string; expires_at: number }>(
        `SELECT id, expires_at FROM connections
         WHERE expires_at IS NOT NULL AND status <> 'needs_reauth'
           AND renewable IS DISTINCT FROM false AND expires_at <= $1
         ORDER BY expires_at, id LIMIT $2`,
        [Math.floor((now + withinMs) / 1000), limit],
      )
      return rows.map((row) => ({ id: row.id, expiresAt: row.expires_at }))
    },
    async claimDueForRefresh(withinMs, limit, claimMs, now = Date.now()) {
      assertWindow('claimDueForRefresh', withinMs, limit)
      if (!(Number.isFinite(claimMs) && claimMs > 0)) throw new TypeError('claimDueForRefresh takes a positive claim (ms)')
      // SKIP LOCKED: rows another scheduler is claiming right now are passed by rather than
      // waited for, and READ COMMITTED re-checks the claim on the locked row, so no two
      // schedulers ever return the same connection.
      const rows = await db.query<{ id: string; expires_at: number }>(
        `UPDATE connections SET refresh_claim_until_ms = $4
         WHERE id IN (
           SELECT id FROM connections
           WHERE expires_at IS NOT NULL AND status <> 'needs_reauth'
             AND renewable IS DISTINCT FROM false AND expires_at <= $1
             AND ${pastHalfLife('$5')}
             AND (refresh_claim_until_ms IS NULL OR refresh_claim_until_ms <= $3)
           ORDER BY expires_at, id LIMIT $2
           FOR UPDATE SKIP LOCKED)
         AND (refresh_claim_until_ms IS NULL OR refresh_claim_until_ms <= $3)
         RETURNING id, expires_at`,
        [Math.floor((now + withinMs) / 1000), limit, now, now + claimMs, Math.floor(now / 1000)],
      )
      return rows
        .map((row) => ({ id: row.id, expiresAt: row.expires_at }))
        .sort((a, b) => a.expiresAt - b.expiresAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    },
    async countDueForRefresh(withinMs, cap, now = Date.now()) {
      assertWindow('countDueForRefresh', withinMs, cap)
      const rows = await db.query<{ due: number }>(
        `SELECT count(*)::int AS due FROM (
           SELECT 1 FROM connections
           WHERE expires_at IS NOT NULL AND status <> 'needs_reauth'
             AND renewable IS DISTINCT FROM false AND expires_at <= $1
             AND ${pastHalfLife('$3')}
           LIMIT $2) AS due`,
        [Math.floor((now + withinMs) / 1000), cap, Math.floor(now / 1000)],
      )
      return rows[0]?.due ?? 0
    },
    async claimDueForCheck(intervalMs, limit, now = Date.now()) {
      assertWindow('claimDueForCheck', intervalMs, limit)
      const cutoff = Math.floor((now - intervalMs) / 1000)
      const rows = await db.query<{ id: string }>(
        `UPDATE connections SET checked_at = $3
         WHERE id IN (
           SELECT id FROM connections
           WHERE expires_at IS NULL AND status = 'active' AND checked_at <= $1
           ORDER BY checked_at, id LIMIT $2
           FOR UPDATE SKIP LOCKED)
         AND checked_at <= $1
         RETURNING id`,
        [cutoff, limit, Math.floor(now / 1000)],
      )
      return rows.map((row) => row.id).sort()
    },
    async lastCheckedAt(id) {
      const rows = await db.query<{ checked_at: number }>(
        'SELECT checked_at FROM connections WHERE id = $1',
        [id],
      )
      const checked = rows[0]?.checked_at
      return checked ? checked : null
    },
    async saveConnections(inputs) {
      for (const input of inputs) if (input.status !== undefined) assertStatus(input.status)
      if (inputs.length === 0) return 0
      const now = nowSeconds()
      return db.transaction(async (tx) => {
        // Locked so that neither an integration can be deleted nor a connection move meanwhile.
        const integrationIds = [...new Set(inputs.map((input) => input.integrationId))]
        const existing = new Set(
          (
            await tx.query<{ id: string }>(
              'SELECT id FROM integrations WHERE id = ANY($1::text[]) FOR KEY SHARE',
              [integrationIds],
            )
          ).map((row) => row.id),
        )
        const owners = new Map(
          (
            await tx.query<{ id: string; integration_id: string }>(
              'SELECT id, integration_id FROM connections WHERE id = ANY($1::text[]) FOR UPDATE',
              [[...new Set(inputs.map((input) => input.id))]],
            )
          ).map((row) => [row.id, row.integration_id]),
        )
        const belongs = (id: string, owner: string) =>
          new PatchbayError('bad_request', `connection ${id} belongs to integration ${owner}`, {
            details: { connection_id: id, integration_id: owner },
          })
        for (const input of inputs) {
          if (!existing.has(input.integrationId)) {
            throw new PatchbayError(
              'bad_request',
              `cannot save connection ${input.id}: integration ${input.integrationId} does not exist`,
              { details: { connection_id: input.id, integration_id: input.integrationId } },
            )
          }
          const owner = owners.get(input.id)
          if (owner !== undefined && owner !== input.integrationId) throw belongs(input.id, owner)
          // A later input with the same id replaces an earlier one, as one save after another.
          owners.set(input.id, input.integrationId)
        }
        // Batches of distinct ids (one upsert may not touch a row twice), each one statement.
        let batch: ConnectionInput[] = []
        let ids = new Set<string>()
        const flush = async () => {
          if (batch.length === 0) return
          const written = await tx.run(
            `${UPSERT_CONNECTION}
             SELECT *, NULL, $11::bigint, $11::bigint FROM unnest($1::text[], $2::text[],
               $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::text[],
               $9::bigint[], $10::boolean[])
             ${UPSERT_CONNECTION_ON_CONFLICT}
             WHERE c.integration_id = excluded.integration_id`,
            [
              batch.map((input) => input.id),
              batch.map((input) => input.integrationId),
              batch.map((input) => JSON.stringify(input.settings)),
              batch.map((input) =>
                seal(keyRing, JSON.stringify(input.credentials), aad.credentials(input.id)),
              ),
              batch.map((input) => input.accountName ?? null),
              batch.map((input) => input.status ?? 'active'),
              batch.map((input) => input.expiresAt ?? null),
              batch.map((input) => input.createdBy ?? null),
              batch.map((input) => input.issuedAt ?? now),
              batch.map((input) => input.renewable ?? null),
              now,
            ],
          )
          // A row another process gave to another integration since the check is not replaced.
          if (written !== batch.length) {
            const [moved] = await tx.query<{ id: string; integration_id: string }>(
              `SELECT c.id, c.integration_id FROM connections AS c
               JOIN unnest($1::text[], $2::text[]) AS b(id, integration_id) ON b.id = c.id
               WHERE c.integration_id <> b.integration_id LIMIT 1`,
              [batch.map((input) => input.id), batch.map((input) => input.integrationId)],
            )
            throw moved
              ? belongs(moved.id, moved.integration_id)
              : new PatchbayError('internal', 'a bulk save wrote fewer connections than given')
          }
          batch = []
          ids = new Set()
        }
        for (const input of inputs) {
          if (ids.has(input.id) || batch.length >= 500) await flush()
          batch.push(input)
          ids.add(input.id)
        }
        await flush()
        return inputs.length
      })
    },
    async integrationsOfConnections(ids) {
      const rows = await db.query<{ id: string; integration_id: string }>(
        'SELECT id, integration_id FROM connections WHERE id = ANY($1::text[])',
        [[...ids]],
      )
      return new Map(rows.map((row) => [row.id, row.integration_id]))
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
      await db.close()
    },
  }
}

/**
 * The connector definitions a PostgreSQL database stores, read without a key ring and without
 * migrating or writing anything: none when the schema holds no `connectors` table yet. The
 * PostgreSQL twin of `readStoredConnectors`, for `patchbay info` and an inline `patchbay call`.
 * @throws PatchbayError `store_unavailable` when the server cannot be reached, `invalid_config`
 *   when a stored definition is not a JSON object
 */
export async function readStoredPostgresConnectors(url: string): Promise<JsonObject[]> {
  const { connectionString, schema } = parsePostgresUrl(url)
  const db = await openDatabase({ connectionString, schema, maxConnections: 1 })
  try {
    const [found] = await db.query<{ table: string | null }>(
      "SELECT to_regclass('connectors')::text AS table",
    )
    if (!found?.table) return []
    const rows = await db.query<ConnectorRow>('SELECT * FROM connectors ORDER BY id')
    return rows.map((row) => {
      try {
        return parseObject(row.definition, `definition of connector ${row.id}`)
      } catch (cause) {
        throw new PatchbayError('invalid_config', `The stored connector ${row.id} is not an object`, {
          cause,
        })
      }
    })
  } finally {
    await db.close()
  }
}
