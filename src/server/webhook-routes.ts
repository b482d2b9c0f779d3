import type { Hono, MiddlewareHandler } from 'hono'
import { parseOrThrow, webhookEndpointView } from '../runtime/index.js'
import type { Patchbay } from '../runtime/index.js'
import { readJson } from './http-errors.js'
import { webhookEndpointBody } from './schemas.js'

/**
 * `POST /webhooks/:integration` (public: providers call it, and the signature is the proof) and
 * the outgoing endpoints' API behind `auth`: `GET /webhook-endpoints`, `POST /webhook-endpoints`
 * (the secret is in this one response only) and `DELETE /webhook-endpoints/:id`.
 * Verified events are queued by `patchbay.webhooks` as `webhook.received`.
 */
export function mountWebhookRoutes(
  app: Hono,
  patchbay: Patchbay,
  auth: MiddlewareHandler,
): void {
  const { webhooks } = patchbay
  // The body is bounded by the app's `limitBodies` (`BodyLimits.webhookBytes`) before it gets here.
  app.post('/webhooks/:integration', async (c) => {
    // The bytes as sent, read once: the signature covers them, not a re-serialized parse.
    const rawBody = new Uint8Array(await c.req.arrayBuffer())
    const { event } = await webhooks.receive(c.req.param('integration'), {
      rawBody,
      headers: c.req.raw.headers,
    })
    return c.json({ received: true, forwarded: event !== null })
  })

  app.use('/webhook-endpoints', auth)
  app.use('/webhook-endpoints/*', auth)
  app.get('/webhook-endpoints', async (c) =>
    c.json({ endpoints: await webhooks.listEndpoints() }),
  )
  app.post('/webhook-endpoints', async (c) => {
    const body = parseOrThrow(webhookEndpointBody, await readJson(c), '')
    const { endpoint, secret } = await webhooks.addEndpoint(body.url, {
      events: body.events ?? null,
      createdBy: c.get('caller').id,
    })
    c.header('Cache-Control', 'no-store')
    return c.json({ ...webhookEndpointView(endpoint), secret }, 201)
  })
  app.delete('/webhook-endpoints/:id', async (c) => {
    await webhooks.removeEndpoint(c.req.param('id'))
    return c.body(null, 204)
  })
}
