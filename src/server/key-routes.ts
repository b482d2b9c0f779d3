import type { Hono, MiddlewareHandler } from 'hono'
import { apiKeyView, parseOrThrow } from '../runtime/index.js'
import type { ApiKeyService } from '../runtime/index.js'
import { readJson } from './http-errors.js'
import { apiKeyBody } from './schemas.js'

/**
 * `GET /keys`, `POST /keys` (the value is in this one response only) and `DELETE /keys/:id`
 * (revokes; the record stays listed), behind the API's auth.
 */
export function mountKeyRoutes(app: Hono, apiKeys: ApiKeyService, auth: MiddlewareHandler): void {
  app.use('/keys', auth)
  app.use('/keys/*', auth)

  app.get('/keys', async (c) => c.json({ keys: (await apiKeys.list()).map(apiKeyView) }))
  app.post('/keys', async (c) => {
    const body = parseOrThrow(apiKeyBody, await readJson(c), '')
    const { key, apiKey } = await apiKeys.issue({
      name: body.name ?? null,
      createdBy: c.get('caller').id,
    })
    c.header('Cache-Control', 'no-store')
    return c.json({ ...apiKeyView(apiKey), key }, 201)
  })
  app.delete('/keys/:id', async (c) => {
    return c.json(apiKeyView(await apiKeys.revoke(c.req.param('id'))))
  })
}
