import type { MiddlewareHandler } from 'hono'
import { isFramablePageCsp, PAGE_SECURITY_HEADERS } from '../kit/index.js'

/**
 * Gives every HTML page the server answers with (OAuth result pages, start failures, the Connect
 * page) the pages' CSP, `X-Frame-Options: DENY`, `nosniff` and no Referer, whichever route made
 * it, so a new page cannot be served without them. Proxied answers are the provider's and pass
 * untouched. A `Cache-Control` a route chose is kept, and so is the framable CSP of a Connect
 * page an allowed application asked to embed (which then carries no `X-Frame-Options`).
 */
export function securePages(): MiddlewareHandler {
  return async (c, next) => {
    await next()
    if (/^\/proxy(?:$|\/)/.test(c.req.path)) return
    if (!(c.res.headers.get('content-type') ?? '').toLowerCase().startsWith('text/html')) return
    const framed = isFramablePageCsp(c.res.headers.get('content-security-policy') ?? '')
    for (const [name, value] of Object.entries(PAGE_SECURITY_HEADERS)) {
      if (name === 'Cache-Control' && c.res.headers.has(name)) continue
      if (framed && (name === 'Content-Security-Policy' || name === 'X-Frame-Options')) continue
      c.res.headers.set(name, value)
    }
  }
}
