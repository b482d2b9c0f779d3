import { createHash } from 'node:crypto'
import type Database from 'better-sqlite3'
import { PatchbayError } from '../../errors.js'
import { open, seal } from '../seal.js'
import type { KeyRing } from '../seal.js'
import type { Store, WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint } from '../types.js'

interface EndpointRow {
  id: string
  url: string
  secret_sealed: string
  events: string | null
  created_by: string | null
  created_at: number
}

interface DeliveryRow {
  id: string
  endpoint_id: string
  event_type: string
  payload: string
  status: WebhookDeliveryStatus
  attempts: number
  next_attempt_at_ms: number
  last_status: number | null
  last_error: string | null
  created_at: number
  updated_at: number
}

/** The Store methods of outgoing webhooks, as implemented on SQLite. */
type SqliteWebhookMethods = Pick<
  Store,
  | 'createWebhookEndpoint'
  | 'getWebhookEndpoint'
  | 'listWebhookEndpoints'
  | 'deleteWebhookEndpoint'
  | 'enqueueWebhookDeliveries'
  | 'claimWebhookDeliveries'
  | 'recordWebhookAttempt'
  | 'listWebhookDeliveries'
  | 'rememberIncomingWebhook'
>

const STATUSES: readonly WebhookDeliveryStatus[] = ['pending', 'delivered', 'failed']

/** Finished deliveries are kept this long for inspection, then swept. */
const KEEP_FINISHED_SECONDS = 7 * 24 * 3600

const aad = {
  endpointSecret: (id: string) => `webhook_endpoints:${id}:secret`,
  integrationSecret: (id: string) => `integrations:${id}:webhook_secret`,
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000)
}

/** Seals an integration's webhook secret for its row (null stays null). */
function sealIntegrationWebhookSecret(
  keyRing: KeyRing,
  integrationId: string,
  secret: string | null,
): string | null {
  return secret === null ? null : seal(keyRing, secret, aad.integrationSecret(integrationId))
}

/** Opens an integration's sealed webhook secret (null, or a column not yet migrated, is null). */
export function openIntegrationWebhookSecret(
  keyRing: KeyRing,
  integrationId: string,
  sealed: string | null | undefined,
): string | null {
  return sealed == null ? null : open(keyRing, sealed, aad.integrationSecret(integrationId))
}

/** Prepares the webhook statements on an open, migrated database. */
export function sqliteWebhookMethods(
  db: Database.Database,
  keyRing: KeyRing,
): SqliteWebhookMethods {
  const sql = {
    createEndpoint: db.prepare<
      [string, string, string, string | null, string | null, number],
      EndpointRow
    >(`
      INSERT INTO webhook_endpoints (id, url, secret_sealed, events, created_by, created_at)
      VALUES (?, ?, ?, ?, ?, ?) RETURNING *`),
    getEndpoint: db.prepare<[string], EndpointRow>('SELECT * FROM webhook_endpoints WHERE id = ?'),
    listEndpoints: db.prepare<[], EndpointRow>(
      'SELECT * FROM webhook_endpoints ORDER BY created_at, id',
    ),
    deleteEndpoint: db.prepare<[string]>('DELETE FROM webhook_endpoints WHERE id = ?'),
    dropPending: db.prepare<[string]>(
      "DELETE FROM webhook_deliveries WHERE endpoint_id = ? AND status = 'pending'",
    ),
    enqueue: db.prepare<[string, string, string, string, number, number, number]>(`
      INSERT INTO webhook_deliveries (id, endpoint_id, event_type, payload, status, attempts,
        next_attempt_at_ms, created_at, updated_at)
      VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?)`),
    due: db.prepare<{ now: number; limit: number }, DeliveryRow>(`
      SELECT * FROM webhook_deliveries
      WHERE status = 'pending' AND next_attempt_at_ms <= @now
      ORDER BY next_attempt_at_ms, created_at, rowid LIMIT @limit`),
    lease: db.prepare<[number, string]>(
      'UPDATE webhook_deliveries SET next_attempt_at_ms = ? WHERE id = ?',
    ),
    sweep: db.prepare<[number]>(
      "DELETE FROM webhook_deliveries WHERE status <> 'pending' AND updated_at < ?",
    ),
    record: db.prepare<{
      id: string
      status: WebhookDeliveryStatus
      attempts: number
      nextAttemptAt: number
      lastStatus: number | null
      lastError: string | null
      now: number
    }>(`
      UPDATE webhook_deliveries SET status = @status, attempts = @attempts,
        next_attempt_at_ms = @nextAttemptAt, last_status = @lastStatus, last_error = @lastError,
        updated_at = @now
      WHERE id = @id`),
    forgetReceived: db.prepare<[number]>('DELETE FROM webhook_receipts WHERE expires_at <= ?'),
    remember: db.prepare<[string, string, number]>(`
      INSERT INTO webhook_receipts (integration_id, id_digest, expires_at) VALUES (?, ?, ?)
      ON CONFLICT DO NOTHING`),
    listDeliveries: db.prepare<{ endpointId: string | null; status: string | null }, DeliveryRow>(`
      SELECT * FROM webhook_deliveries
      WHERE (@endpointId IS NULL OR endpoint_id = @endpointId)
        AND (@status IS NULL OR status = @status)
      ORDER BY created_at, rowid`),
  }

  function toEndpoint(row: EndpointRow): WebhookEndpoint {
    return {
      id: row.id,
      url: row.url,
      secret: open(keyRing, row.secret_sealed, aad.endpointSecret(row.id)),
      events: row.events === null ? null : (JSON.parse(row.events) as string[]),
      createdBy: row.created_by,
      createdAt: row.created_at,
    }
  }

  function toDelivery(row: DeliveryRow): WebhookDelivery {
    return {
      id: row.id,
      endpointId: row.endpoint_id,
      eventType: row.event_type,
      payload: row.payload,
      status: row.status,
      attempts: row.attempts,
      nextAttemptAt: row.next_attempt_at_ms,
      lastStatus: row.last_status,
      lastError: row.last_error,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    }
  }

  const deleteEndpoint = db.transaction((id: string): boolean => {
    sql.dropPending.run(id)
    return sql.deleteEndpoint.run(id).changes > 0
  })

  const enqueue = db.transaction((deliveries: Parameters<Store['enqueueWebhookDeliveries']>[0]) => {
    const now = nowSeconds()
    for (const d of deliveries) {
      sql.enqueue.run(d.id, d.endpointId, d.eventType, d.payload, d.nextAttemptAt, now, now)
    }
  })

  // Run IMMEDIATE: the write lock is taken before the read, so two workers sharing the file
  // cannot both claim the same delivery.
  const claim = db.transaction((now: number, leaseMs: number, limit: number): DeliveryRow[] => {
    sql.sweep.run(Math.floor(now / 1000) - KEEP_FINISHED_SECONDS)
    const rows = sql.due.all({ now, limit })
    for (const row of rows) {
      row.next_attempt_at_ms = now + leaseMs
      sql.lease.run(row.next_attempt_at_ms, row.id)
    }
    return rows
  })

  // The purge and the insert share a transaction: the table holds only live ids.
  const remember = db.transaction(
    (integrationId: string, digest: string, expiresAt: number, now: number): boolean => {
      sql.forgetReceived.run(now)
      return sql.remember.run(integrationId, digest, expiresAt).changes > 0
    },
  )

  return {
    async createWebhookEndpoint(input) {
      try {
        const row = sql.createEndpoint.get(
          input.id,
          input.url,
          seal(keyRing, input.secret, aad.endpointSecret(input.id)),
          input.events == null ? null : JSON.stringify(input.events),
          input.createdBy ?? null,
          nowSeconds(),
        )!
        return toEndpoint(row)
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') throw error
        throw new PatchbayError(
          'bad_request',
          `a webhook endpoint with id ${input.id} already exists`,
        )
      }
    },
    async getWebhookEndpoint(id) {
      const row = sql.getEndpoint.get(id)
      return row ? toEndpoint(row) : null
    },
    async listWebhookEndpoints() {
      return sql.listEndpoints.all().map(toEndpoint)
    },
    async deleteWebhookEndpoint(id) {
      return deleteEndpoint.immediate(id)
    },
    async enqueueWebhookDeliveries(deliveries) {
      if (deliveries.length > 0) enqueue.immediate(deliveries)
    },
    async claimWebhookDeliveries({ now, leaseMs, limit }) {
      return claim.immediate(now, leaseMs, limit).map(toDelivery)
    },
    async recordWebhookAttempt(id, attempt) {
      if (!STATUSES.includes(attempt.status)) {
        throw new TypeError(`delivery status must be one of ${STATUSES.join(', ')}`)
      }
      sql.record.run({ id, ...attempt, now: nowSeconds() })
    },
    async listWebhookDeliveries(filter = {}) {
      const query = { endpointId: filter.endpointId ?? null, status: filter.status ?? null }
      return sql.listDeliveries.all(query).map(toDelivery)
    },
    async rememberIncomingWebhook({ integrationId, webhookId, expiresAt, now }) {
      const digest = createHash('sha256').update(webhookId, 'utf8').digest('hex')
      return remember.immediate(integrationId, digest, expiresAt, now)
    },
  }
}

/** Prepares the write of an integration's webhook secret (sealed; null removes it). */
export function integrationWebhookSecretWriter(
  db: Database.Database,
  keyRing: KeyRing,
): (integrationId: string, secret: string | null) => void {
  const update = db.prepare<[string | null, string]>(
    'UPDATE integrations SET webhook_secret_sealed = ? WHERE id = ?',
  )
  return (integrationId, secret) => {
    update.run(sealIntegrationWebhookSecret(keyRing, integrationId, secret), integrationId)
  }
}
