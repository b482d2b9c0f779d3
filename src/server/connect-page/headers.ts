import type { Context } from 'hono'

/**
 * No inline script or style, nothing loaded from elsewhere but logos, fetches only to Patchbay,
 * never framed. `img-src` allows https logos and data URLs.
 */
export const CONNECT_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' https: data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ')

/**
 * Headers of every Connect page response: a strict CSP, no framing, no caching (the page embeds
 * the session), and no Referer, so the session in the page's URL never reaches another site.
 */
export function setPageHeaders(c: Context): void {
  c.header('Content-Security-Policy', CONNECT_PAGE_CSP)
  c.header('X-Frame-Options', 'DENY')
  c.header('Cache-Control', 'no-store')
  c.header('Referrer-Policy', 'no-referrer')
  c.header('X-Content-Type-Options', 'nosniff')
}
