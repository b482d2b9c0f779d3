import { PatchbayError } from '../errors.js'
import { webhookEndpointView } from '../runtime/index.js'
import type { WebhookDeliveryStatus } from '../runtime/index.js'
import { openRuntime } from './open-runtime.js'
import { printResponse } from './output.js'
import { withPatchbay } from './with-patchbay.js'

function eventList(text: string | undefined): string[] | null {
  if (text === undefined) return null
  const events = text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
  if (events.length === 0) {
    throw new PatchbayError('bad_request', '--events needs at least one event type', {
      details: { problems: ['--events: empty'] },
    })
  }
  return events
}

const STATUSES: readonly WebhookDeliveryStatus[] = ['pending', 'delivered', 'failed']

// `webhooks add|list|remove|deliveries`: the endpoints outgoing events are sent to (beside
// `PATCHBAY_WEBHOOK_URL`), and the delivery queue a running server works through.

/** `webhooks add <url>`: the whsec_ signing secret is printed this once, never again. */
export function addWebhook(url: string, flags: { events?: string }): Promise<void> {
  return withPatchbay(openRuntime, 'cli:webhooks add', async (patchbay) => {
    const { endpoint, secret } = await patchbay.webhooks.addEndpoint(url, {
      events: eventList(flags.events),
      createdBy: 'cli',
    })
    printResponse({ ...webhookEndpointView(endpoint), secret })
  })
}

/** `webhooks list`: secrets are never shown. */
export function listWebhooks(): Promise<void> {
  return withPatchbay(openRuntime, 'cli:webhooks list', async (patchbay) => {
    printResponse(await patchbay.webhooks.listEndpoints())
  })
}

/** `webhooks remove <id>`: the endpoint and its pending deliveries. */
export function removeWebhook(id: string): Promise<void> {
  return withPatchbay(openRuntime, 'cli:webhooks remove', async (patchbay) => {
    await patchbay.webhooks.removeEndpoint(id)
    printResponse({ deleted: id })
  })
}

/** `webhooks deliveries`: attempts, last answer, next attempt. */
export function listDeliveries(flags: { status?: string; endpoint?: string }): Promise<void> {
  return withPatchbay(openRuntime, 'cli:webhooks deliveries', async (patchbay) => {
    const status = flags.status as WebhookDeliveryStatus | undefined
    if (status !== undefined && !STATUSES.includes(status)) {
      throw new PatchbayError('bad_request', `--status must be one of ${STATUSES.join(', ')}`, {
        details: { problems: ['--status: unknown status'] },
      })
    }
    const deliveries = await patchbay.webhooks.deliveries({
      ...(status ? { status } : {}),
      ...(flags.endpoint ? { endpointId: flags.endpoint } : {}),
    })
    printResponse(
      deliveries.map((delivery) => ({
        id: delivery.id,
        endpoint: delivery.endpointId,
        type: delivery.eventType,
        status: delivery.status,
        attempts: delivery.attempts,
        last_status: delivery.lastStatus,
        last_error: delivery.lastError,
        next_attempt_at:
          delivery.status === 'pending' ? new Date(delivery.nextAttemptAt).toISOString() : null,
      })),
    )
  })
}
