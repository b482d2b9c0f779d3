import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import { PatchbayError } from '../../errors.js'
import type { WebhookEndpoint, WebhookStore } from '../../store/index.js'
import { CONFIGURED_ENDPOINT_ID } from './dispatcher.js'
import type { ConfiguredWebhookEndpoint } from './dispatcher.js'
import { isWebhookEventType, WEBHOOK_EVENT_TYPES } from './messages.js'
import { formatWebhookSecret } from './standard-webhooks.js'

/** A webhook endpoint as the API and CLI show it: never its secret. */
export const webhookEndpointViewSchema = z.object({
  id: z.string(),
  url: z.string(),
  /** Null: every event type. */
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).nullable(),
  /** `environment`: the one from `PATCHBAY_WEBHOOK_URL`, which only the environment changes. */
  source: z.enum(['api', 'environment']),
  created_by: z.string().nullable(),
  created_at: z.number().int().nullable(),
})

export type WebhookEndpointView = z.infer<typeof webhookEndpointViewSchema>

/** The answer to creating an endpoint: its view and, this once, its secret. */
export const createdWebhookEndpointSchema = webhookEndpointViewSchema.extend({
  secret: z.string().describe('whsec_…: shown once, never again'),
})

/** Options of {@link addWebhookEndpoint}. */
export interface AddWebhookEndpointOptions {
  /** Event types to send; every type when absent or empty. */
  events?: readonly string[] | null
  /** Who created it: an API caller, or `cli`. */
  createdBy?: string | null
}

/** The view of a stored endpoint. */
export function webhookEndpointView(endpoint: WebhookEndpoint): WebhookEndpointView {
  return {
    id: endpoint.id,
    url: endpoint.url,
    events: endpoint.events as WebhookEndpointView['events'],
    source: 'api',
    created_by: endpoint.createdBy,
    created_at: endpoint.createdAt,
  }
}

function checkUrl(url: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    parsed = new URL('invalid:')
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new PatchbayError('bad_request', 'A webhook endpoint URL must be an http or https URL', {
      details: { problems: ['url: not an http(s) URL'] },
    })
  }
  return parsed.href
}

/**
 * Checks a list of event types.
 * @throws PatchbayError `bad_request` naming the unknown ones and the known ones
 */
function checkWebhookEvents(events: readonly string[]): string[] {
  const unknown = events.filter((type) => !isWebhookEventType(type))
  if (unknown.length > 0) {
    throw new PatchbayError(
      'bad_request',
      `Unknown webhook event type(s) ${unknown.join(', ')}; known: ${WEBHOOK_EVENT_TYPES.join(', ')}`,
      { details: { problems: unknown.map((type) => `events: unknown type "${type}"`) } },
    )
  }
  return [...new Set(events)]
}

/**
 * Stores a new endpoint with a freshly generated `whsec_…` secret, returned here once: the
 * caller shows it to whoever configures the receiver, and it is never shown again.
 */
export async function addWebhookEndpoint(
  store: WebhookStore,
  url: string,
  options: AddWebhookEndpointOptions = {},
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const events =
    options.events && options.events.length > 0 ? checkWebhookEvents(options.events) : null
  const secret = formatWebhookSecret(randomBytes(32))
  const endpoint = await store.createWebhookEndpoint({
    id: `we_${randomBytes(12).toString('base64url')}`,
    url: checkUrl(url),
    secret,
    events,
    createdBy: options.createdBy ?? null,
  })
  return { endpoint, secret }
}

/** Every endpoint, the configured one first: views only. */
export async function listWebhookEndpointViews(
  store: WebhookStore,
  configured: Pick<ConfiguredWebhookEndpoint, 'url' | 'events'> | null = null,
): Promise<WebhookEndpointView[]> {
  const stored = (await store.listWebhookEndpoints()).map(webhookEndpointView)
  if (!configured) return stored
  const fromEnv: WebhookEndpointView = {
    id: CONFIGURED_ENDPOINT_ID,
    url: configured.url,
    events: (configured.events ?? null) as WebhookEndpointView['events'],
    source: 'environment',
    created_by: null,
    created_at: null,
  }
  return [fromEnv, ...stored]
}

/**
 * Removes a stored endpoint and its pending deliveries.
 * @throws PatchbayError `not_found`; `bad_request` for the one configured by environment
 */
export async function removeWebhookEndpoint(store: WebhookStore, id: string): Promise<void> {
  if (id === CONFIGURED_ENDPOINT_ID) {
    throw new PatchbayError(
      'bad_request',
      'The "env" endpoint comes from PATCHBAY_WEBHOOK_URL: unset it to remove the endpoint',
    )
  }
  if (!(await store.deleteWebhookEndpoint(id))) {
    throw new PatchbayError('not_found', `Webhook endpoint "${id}" does not exist`)
  }
}
