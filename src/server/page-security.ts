import type { MiddlewareHandler } from 'hono'
import { PAGE_SECURITY_HEADERS } from '../kit/index.js'

/**
 * Gives every HTML page the server answers with (OAuth result pages, start failures, the Connect
 * page) the pages' CSP, `X-Frame-Options: DENY`, `nosniff` and no Referer, whichever route made
 * it, so a new page cannot be served without them. Proxied answers are the provider's and pass
 * untouched. A `Cache-Control` a route chose is kept.
 */
export function securePages(): MiddlewareHandler {
  return async (c, next) => {
    await next()
    if (/^\/proxy(?:$|\/)/.test(c.req.path)) return
    if (!(c.res.headers.get('content-type') ?? '').toLowerCase().startsWith('text/html')) return
    for (const [name, value] of Object.entries(PAGE_SECURITY_HEADERS)) {
      if (name === 'Cache-Control' && c.res.headers.has(name)) continue
      c.res.headers.set(name, value)
    }
  }
}
