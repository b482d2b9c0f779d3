import type { Context } from 'hono'
import { framablePageCsp, PAGE_CSP, PAGE_SECURITY_HEADERS } from '../../kit/index.js'

/** The CSP of every Patchbay page; see {@link PAGE_CSP}. */
export const CONNECT_PAGE_CSP = PAGE_CSP

/**
 * Headers of every Connect page response: a strict CSP, no framing, no caching (the page embeds
 * the session), and no Referer, so the session in the page's URL never reaches another site.
 */
export function setPageHeaders(c: Context): void {
  for (const [name, value] of Object.entries(PAGE_SECURITY_HEADERS)) c.header(name, value)
}

/**
 * The headers of a Connect page that the allowed application `origin` asked to show in an
 * iframe: the same, but `frame-ancestors` names that origin and no `X-Frame-Options` (which has
 * no way to name one).
 */
export function setFramedPageHeaders(c: Context, origin: string): void {
  setPageHeaders(c)
  c.header('Content-Security-Policy', framablePageCsp(origin))
  c.header('X-Frame-Options', undefined)
}
