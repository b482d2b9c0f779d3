import type { Hono, MiddlewareHandler } from 'hono'
import {
  addWebhookEndpoint,
  createWebhookDispatcher,
  listWebhookEndpointViews,
  parseOrThrow,
  receiveWebhook,
  removeWebhookEndpoint,
  webhookEndpointView,
} from '../runtime/index.js'
import type { Patchbay, WebhookDispatcher } from '../runtime/index.js'
import { readJson } from './http-errors.js'
import { webhookEndpointBody } from './schemas.js'

/**
 * `POST /webhooks/:integration` (public: providers call it, and the signature is the proof) and
 * the outgoing endpoints' API behind `auth`: `GET /webhook-endpoints`, `POST /webhook-endpoints`
 * (the secret is in this one response only) and `DELETE /webhook-endpoints/:id`.
 * @param webhooks where verified events are queued as `webhook.received`; by default a
 *   dispatcher that queues for the stored endpoints, for a worker elsewhere to send
 */
export function mountWebhookRoutes(
  app: Hono,
  patchbay: Patchbay,
  auth: MiddlewareHandler,
  webhooks: WebhookDispatcher = createWebhookDispatcher({ store: patchbay.store }),
): void {
  const receiveDeps = {
    store: patchbay.store,
    connector: (id: string) => patchbay.connectors.get(id),
    now: () => Math.floor(Date.now() / 1000),
  }
  // The body is bounded by the app's `limitBodies` (`BodyLimits.webhookBytes`) before it gets here.
  app.post('/webhooks/:integration', async (c) => {
    // The bytes as sent, read once: the signature covers them, not a re-serialized parse.
    const rawBody = new Uint8Array(await c.req.arrayBuffer())
    const received = await receiveWebhook(receiveDeps, c.req.param('integration'), {
      rawBody,
      headers: c.req.raw.headers,
    })
    const { event } = received
    if (event) {
      await webhooks.publish('webhook.received', {
        integration: received.integration,
        type: event.type,
        data: event.data,
      })
    }
    return c.json({ received: true, forwarded: event !== null })
  })

  app.use('/webhook-endpoints', auth)
  app.use('/webhook-endpoints/*', auth)
  app.get('/webhook-endpoints', async (c) =>
    c.json({ endpoints: await listWebhookEndpointViews(patchbay.store, webhooks.configured) }),
  )
  app.post('/webhook-endpoints', async (c) => {
    const body = parseOrThrow(webhookEndpointBody, await readJson(c), '')
    const { endpoint, secret } = await addWebhookEndpoint(patchbay.store, body.url, {
      events: body.events ?? null,
      createdBy: c.get('caller').id,
    })
    c.header('Cache-Control', 'no-store')
    return c.json({ ...webhookEndpointView(endpoint), secret }, 201)
  })
  app.delete('/webhook-endpoints/:id', async (c) => {
    await removeWebhookEndpoint(patchbay.store, c.req.param('id'))
    return c.body(null, 204)
  })
}
