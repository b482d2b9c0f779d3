import type { JsonObject } from '../../kit/index.js'
import type { Connection } from '../../store/index.js'
import type { RuntimeEvent } from '../events.js'

/** The event types sent to webhook endpoints. */
export const WEBHOOK_EVENT_TYPES = [
  'connection.created',
  'connection.updated',
  'connection.deleted',
  'connection.needs_reauth',
  'refresh.failed',
  'webhook.received',
] as const

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number]

/** True for the event types a webhook endpoint can subscribe to. */
export function isWebhookEventType(type: string): type is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(type)
}

/** An outgoing message before it is serialized: `{type, timestamp, data}`. */
export interface WebhookMessage {
  type: WebhookEventType
  /** ISO 8601: when it happened. */
  timestamp: string
  data: JsonObject
}

/**
 * The message a runtime event becomes, or null for events no endpoint hears of
 * (`connection.refreshed` happens every hour per connection). `connection` is the connection as
 * stored now, when it still exists. The data carries ids, status, reason and a deleted
 * connection's revocation report only: never credentials, whatever the event.
 * @param at epoch milliseconds
 */
export function messageForEvent(
  event: RuntimeEvent,
  connection: Connection | null,
  at: number,
): WebhookMessage | null {
  if (!isWebhookEventType(event.type)) return null
  const integration =
    'integrationId' in event ? event.integrationId : (connection?.integrationId ?? null)
  const data: JsonObject = {
    connection_id: event.connectionId,
    integration,
    status: event.type === 'connection.deleted' ? 'deleted' : (connection?.status ?? null),
  }
  if (event.type !== 'connection.deleted' && connection) {
    data['account_name'] = connection.accountName
    data['created_by'] = connection.createdBy
  }
  if ('reason' in event) data['reason'] = event.reason
  // What the provider said when the tokens were revoked: codes and messages, no token.
  if (event.type === 'connection.deleted' && event.revocation) {
    data['revocation'] = { ...event.revocation } as JsonObject
  }
  return { type: event.type, timestamp: new Date(at).toISOString(), data }
}

/** A message of any type, such as a verified provider webhook forwarded as `webhook.received`. */
export function webhookMessage(
  type: WebhookEventType,
  data: JsonObject,
  at: number,
): WebhookMessage {
  return { type, timestamp: new Date(at).toISOString(), data }
}
