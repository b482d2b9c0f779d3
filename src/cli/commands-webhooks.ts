import type { Command } from 'commander'
import { PatchbayError } from '../errors.js'
import { webhookEndpointView } from '../runtime/index.js'
import type { Patchbay, WebhookDeliveryStatus } from '../runtime/index.js'
import { printResponse } from './output.js'
import { withPatchbay } from './with-patchbay.js'

type Open = () => Promise<Patchbay>


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

/**
 * `webhooks add|list|remove|deliveries`: the endpoints outgoing events are sent to (beside
 * `PATCHBAY_WEBHOOK_URL`), and the delivery queue a running server works through.
 */
export function registerWebhookCommands(program: Command, open: Open): void {
  const webhooks = program
    .command('webhooks')
    .description('Manage the endpoints that receive signed event webhooks')
  webhooks
    .command('add')
    .description('Add an endpoint; its whsec_ signing secret is printed this once, never again')
    .argument('<url>', 'the http(s) URL to POST events to')
    .option('--events <list>', 'comma-separated event types (default: all)')
    .action(async (url: string, flags: { events?: string }) =>
      withPatchbay(open, 'cli:webhooks add', async (patchbay) => {
        const { endpoint, secret } = await patchbay.webhooks.addEndpoint(url, {
          events: eventList(flags.events),
          createdBy: 'cli',
        })
        printResponse({ ...webhookEndpointView(endpoint), secret })
      }),
    )
  webhooks
    .command('list')
    .description('List endpoints (secrets are never shown)')
    .action(async () =>
      withPatchbay(open, 'cli:webhooks list', async (patchbay) => {
        printResponse(await patchbay.webhooks.listEndpoints())
      }),
    )
  webhooks
    .command('remove')
    .argument('<id>')
    .description('Remove an endpoint and its pending deliveries')
    .action(async (id: string) =>
      withPatchbay(open, 'cli:webhooks remove', async (patchbay) => {
        await patchbay.webhooks.removeEndpoint(id)
        printResponse({ deleted: id })
      }),
    )
  webhooks
    .command('deliveries')
    .description('Show the delivery queue: attempts, last answer, next attempt')
    .option('--status <status>', 'pending, delivered or failed')
    .option('--endpoint <id>', "only this endpoint's deliveries")
    .action(async (flags: { status?: string; endpoint?: string }) =>
      withPatchbay(open, 'cli:webhooks deliveries', async (patchbay) => {
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
      }),
    )
}
