import { isPatchbayError, PatchbayError } from '../../errors.js'
import type { JsonValue } from '../../errors.js'
import { getPath } from '../../kit/index.js'
import {
  DEFAULT_WEBHOOK_ID_HEADER,
  DEFAULT_WEBHOOK_TOLERANCE_SECONDS,
  parseBoundedJson,
} from '../../kit/index.js'
import type { Connector, NormalizedWebhooks, WebhookEvent } from '../../kit/index.js'
import type { IntegrationStore, WebhookStore } from '../../store/index.js'
import { verifyHmacWebhook } from './incoming-signature.js'
import { unknownIntegration } from '../unknown-integration.js'

/** What {@link receiveWebhook} needs of the runtime. */
export interface ReceiveWebhookDeps {
  store: IntegrationStore & Pick<WebhookStore, 'rememberIncomingWebhook'>
  /** The registered connector with this id; throws `not_found` when there is none. */
  connector: (id: string) => Connector
  /** Epoch seconds. */
  now: () => number
}

/** A request to `POST /webhooks/:integration`, its body read once, as bytes. */
export interface IncomingWebhook {
  rawBody: Uint8Array
  headers: Headers
}

/** A verified event, and the integration it came to. */
export interface ReceivedWebhook {
  integration: string
  /** Null when the connector's handler chose to acknowledge the request without an event. */
  event: WebhookEvent | null
}

function parsePayload(rawBody: Uint8Array): JsonValue {
  const text = Buffer.from(rawBody).toString('utf8')
  try {
    return parseBoundedJson(text, 'The webhook body') as JsonValue
  } catch (error) {
    if (isPatchbayError(error)) throw error
    return text
  }
}

// Without a signed timestamp, an old delivery is as valid as a new one: its id is kept a day.
const UNTIMED_REPLAY_WINDOW_SECONDS = 24 * 60 * 60
const MAX_WEBHOOK_ID_LENGTH = 256

/**
 * Remembers a verified delivery's id for as long as its signature could still be accepted (twice
 * the timestamp tolerance, which covers any timestamp within it) and refuses one seen before.
 * A request without the id header is let through: not every provider sends one.
 * @throws PatchbayError `unauthorized` for a replay or an unusable id
 */
async function refuseReplay(
  deps: ReceiveWebhookDeps,
  integrationId: string,
  webhooks: NormalizedWebhooks,
  headers: Headers,
): Promise<void> {
  const webhookId = headers.get(webhooks.idHeader ?? DEFAULT_WEBHOOK_ID_HEADER)?.trim()
  if (!webhookId) return
  if (webhookId.length > MAX_WEBHOOK_ID_LENGTH) {
    throw new PatchbayError('unauthorized', "The webhook's id is too long")
  }
  const verify = webhooks.verify
  const window =
    typeof verify !== 'function' && verify.timestampHeader
      ? 2 * verify.toleranceSeconds
      : typeof verify === 'function'
        ? 2 * DEFAULT_WEBHOOK_TOLERANCE_SECONDS
        : UNTIMED_REPLAY_WINDOW_SECONDS
  const now = deps.now()
  const fresh = await deps.store.rememberIncomingWebhook({
    integrationId,
    webhookId,
    expiresAt: now + window,
    now,
  })
  if (!fresh) {
    throw new PatchbayError('unauthorized', 'This webhook was already received: a replay is refused', {
      details: { problems: ['webhook id: already received'] },
    })
  }
}

function defaultEvent(payload: JsonValue, typePath: string | undefined): WebhookEvent {
  const paths = typePath ? [typePath] : ['type', 'event']
  for (const path of paths) {
    const type = getPath(payload, path)
    if (typeof type === 'string' && type !== '') return { type, data: payload }
  }
  return { type: 'unknown', data: payload }
}

function checkEvent(value: unknown, connectorId: string): WebhookEvent | null {
  if (value === null) return null
  const event = value as Partial<WebhookEvent> | undefined
  if (!event || typeof event.type !== 'string' || event.type === '' || event.data === undefined) {
    throw new PatchbayError(
      'internal',
      `The webhook handler of connector "${connectorId}" returned no {type, data} event`,
    )
  }
  return { type: event.type, data: event.data }
}

/**
 * Verifies a provider's webhook with its connector's verifier and the integration's webhook
 * secret, then turns the payload into an event with the connector's handler. Nothing is parsed
 * or handed on before the signature checks out.
 * @throws PatchbayError `not_found` for an unknown integration or one whose connector takes no
 *   webhooks; `unauthorized` when the signature, the timestamp or the secret is missing or wrong
 */
export async function receiveWebhook(
  deps: ReceiveWebhookDeps,
  integrationId: string,
  request: IncomingWebhook,
): Promise<ReceivedWebhook> {
  const integration = await deps.store.getIntegration(integrationId)
  if (!integration) {
    throw unknownIntegration(integrationId)
  }
  const connector = deps.connector(integration.connectorId)
  const webhooks = connector.webhooks
  if (!webhooks) {
    throw new PatchbayError('not_found', `Integration "${integrationId}" does not take webhooks`)
  }
  const secret = integration.webhookSecret
  if (!secret) {
    // Without a secret nothing can be verified, so nothing is accepted.
    throw new PatchbayError(
      'unauthorized',
      `Integration "${integrationId}" has no webhook secret: set one with PUT /integrations/${integrationId}`,
    )
  }
  const { rawBody, headers } = request
  if (typeof webhooks.verify === 'function') {
    let valid = false
    try {
      valid = (await webhooks.verify(rawBody, headers, secret)) === true
    } catch {
      valid = false
    }
    if (!valid) throw new PatchbayError('unauthorized', "The webhook's signature is not valid")
  } else {
    verifyHmacWebhook(webhooks.verify, rawBody, headers, secret, deps.now())
  }

  await refuseReplay(deps, integrationId, webhooks, headers)

  const payload = parsePayload(rawBody)
  if (!webhooks.handle) {
    return { integration: integrationId, event: defaultEvent(payload, webhooks.typePath) }
  }
  const handled = await webhooks.handle(payload, { integrationId, headers, rawBody })
  return { integration: integrationId, event: checkEvent(handled, connector.id) }
}
