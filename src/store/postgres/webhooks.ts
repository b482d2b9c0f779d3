import { createHash } from 'node:crypto'
import { PatchbayError } from '../../errors.js'
import { open, seal } from '../seal.js'
import type { KeyRing } from '../seal.js'
import type { Store, WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint } from '../types.js'
import type { Database } from './database.js'

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
  seq: number
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

/** The Store methods of outgoing and incoming webhooks, as implemented on PostgreSQL. */
type PgWebhookMethods = Pick<
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
export function sealIntegrationWebhookSecret(
  keyRing: KeyRing,
  integrationId: string,
  secret: string | null,
): string | null {
  return secret === null ? null : seal(keyRing, secret, aad.integrationSecret(integrationId))
}

/** Opens an integration's sealed webhook secret (null is null). */
export function openIntegrationWebhookSecret(
  keyRing: KeyRing,
  integrationId: string,
  sealed: string | null,
): string | null {
  return sealed === null ? null : open(keyRing, sealed, aad.integrationSecret(integrationId))
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

/** The webhook methods on a migrated PostgreSQL database. */
export function pgWebhookMethods(db: Database, keyRing: KeyRing): PgWebhookMethods {
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

  return {
    async createWebhookEndpoint(input) {
      const rows = await db.query<EndpointRow>(
        `INSERT INTO webhook_endpoints (id, url, secret_sealed, events, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING RETURNING *`,
        [
          input.id,
          input.url,
          seal(keyRing, input.secret, aad.endpointSecret(input.id)),
          input.events == null ? null : JSON.stringify(input.events),
          input.createdBy ?? null,
          nowSeconds(),
        ],
      )
      if (!rows[0]) {
        throw new PatchbayError('bad_request', `a webhook endpoint with id ${input.id} already exists`)
      }
      return toEndpoint(rows[0])
    },
    async getWebhookEndpoint(id) {
      const [row] = await db.query<EndpointRow>('SELECT * FROM webhook_endpoints WHERE id = $1', [id])
      return row ? toEndpoint(row) : null
    },
    async listWebhookEndpoints() {
      const rows = await db.query<EndpointRow>('SELECT * FROM webhook_endpoints ORDER BY created_at, id')
      return rows.map(toEndpoint)
    },
    async deleteWebhookEndpoint(id) {
      return db.transaction(async (tx) => {
        await tx.run("DELETE FROM webhook_deliveries WHERE endpoint_id = $1 AND status = 'pending'", [id])
        return (await tx.run('DELETE FROM webhook_endpoints WHERE id = $1', [id])) > 0
      })
    },
    async enqueueWebhookDeliveries(deliveries) {
      if (deliveries.length === 0) return
      const now = nowSeconds()
      // One statement: all rows or none. Ordinality keeps the given order in `seq`.
      await db.run(
        `INSERT INTO webhook_deliveries (id, endpoint_id, event_type, payload, status, attempts,
           next_attempt_at_ms, created_at, updated_at)
         SELECT id, endpoint_id, event_type, payload, 'pending', 0, next_at, $6, $6
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])
           WITH ORDINALITY AS d (id, endpoint_id, event_type, payload, next_at, n)
         ORDER BY n`,
        [
          deliveries.map((d) => d.id),
          deliveries.map((d) => d.endpointId),
          deliveries.map((d) => d.eventType),
          deliveries.map((d) => d.payload),
          deliveries.map((d) => d.nextAttemptAt),
          now,
        ],
      )
    },
    async claimWebhookDeliveries({ now, leaseMs, limit }) {
      return db.transaction(async (tx) => {
        await tx.run("DELETE FROM webhook_deliveries WHERE status <> 'pending' AND updated_at < $1", [
          Math.floor(now / 1000) - KEEP_FINISHED_SECONDS,
        ])
        // SKIP LOCKED: a delivery another worker is claiming right now is left to it.
        const rows = await tx.query<DeliveryRow & { due_at: number }>(
          `WITH due AS (
             SELECT id, next_attempt_at_ms AS due_at FROM webhook_deliveries
             WHERE status = 'pending' AND next_attempt_at_ms <= $1
             ORDER BY next_attempt_at_ms, created_at, seq LIMIT $2
             FOR UPDATE SKIP LOCKED)
           UPDATE webhook_deliveries AS d SET next_attempt_at_ms = $3
           FROM due WHERE d.id = due.id
           RETURNING d.*, due.due_at`,
          [now, limit, now + leaseMs],
        )
        rows.sort((a, b) => a.due_at - b.due_at || a.created_at - b.created_at || a.seq - b.seq)
        return rows.map(toDelivery)
      })
    },
    async recordWebhookAttempt(id, attempt) {
      if (!STATUSES.includes(attempt.status)) {
        throw new TypeError(`delivery status must be one of ${STATUSES.join(', ')}`)
      }
      await db.run(
        `UPDATE webhook_deliveries SET status = $2, attempts = $3, next_attempt_at_ms = $4,
           last_status = $5, last_error = $6, updated_at = $7
         WHERE id = $1`,
        [
          id,
          attempt.status,
          attempt.attempts,
          attempt.nextAttemptAt,
          attempt.lastStatus,
          attempt.lastError,
          nowSeconds(),
        ],
      )
    },
    async listWebhookDeliveries(filter = {}) {
      const rows = await db.query<DeliveryRow>(
        `SELECT * FROM webhook_deliveries
         WHERE ($1::text IS NULL OR endpoint_id = $1) AND ($2::text IS NULL OR status = $2)
         ORDER BY created_at, seq`,
        [filter.endpointId ?? null, filter.status ?? null],
      )
      return rows.map(toDelivery)
    },
    async rememberIncomingWebhook({ integrationId, webhookId, expiresAt, now }) {
      const digest = createHash('sha256').update(webhookId, 'utf8').digest('hex')
      return db.transaction(async (tx) => {
        await tx.run('DELETE FROM webhook_receipts WHERE expires_at <= $1', [now])
        const added = await tx.run(
          `INSERT INTO webhook_receipts (integration_id, id_digest, expires_at) VALUES ($1, $2, $3)
           ON CONFLICT DO NOTHING`,
          [integrationId, digest, expiresAt],
        )
        return added > 0
      })
    },
  }
}
