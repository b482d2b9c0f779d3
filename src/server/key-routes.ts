import type { Hono, MiddlewareHandler } from 'hono'
import { PatchbayError } from '../errors.js'
import { parseOrThrow } from '../runtime/index.js'
import { apiKeyView, issueApiKey } from '../store/index.js'
import type { Store } from '../store/index.js'
import { readJson } from './http-errors.js'
import { apiKeyBody } from './schemas.js'

/**
 * `GET /keys`, `POST /keys` (the value is in this one response only) and `DELETE /keys/:id`
 * (revokes; the record stays listed), behind the API's auth.
 */
export function mountKeyRoutes(app: Hono, store: Store, auth: MiddlewareHandler): void {
  app.use('/keys', auth)
  app.use('/keys/*', auth)

  app.get('/keys', async (c) => c.json({ keys: (await store.listApiKeys()).map(apiKeyView) }))
  app.post('/keys', async (c) => {
    const body = parseOrThrow(apiKeyBody, await readJson(c), '')
    const { key, apiKey } = await issueApiKey(store, {
      name: body.name ?? null,
      createdBy: c.get('caller').id,
    })
    c.header('Cache-Control', 'no-store')
    return c.json({ ...apiKeyView(apiKey), key }, 201)
  })
  app.delete('/keys/:id', async (c) => {
    const revoked = await store.revokeApiKey(c.req.param('id'), Math.floor(Date.now() / 1000))
    if (!revoked)
      throw new PatchbayError('not_found', `API key "${c.req.param('id')}" does not exist`)
    return c.json(apiKeyView(revoked))
  })
}
