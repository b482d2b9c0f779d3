import type { Context } from 'hono'
import { PAGE_CSP, PAGE_SECURITY_HEADERS } from '../../kit/index.js'

/** The CSP of every Patchbay page; see {@link PAGE_CSP}. */
export const CONNECT_PAGE_CSP = PAGE_CSP

/**
 * Headers of every Connect page response: a strict CSP, no framing, no caching (the page embeds
 * the session), and no Referer, so the session in the page's URL never reaches another site.
 */
export function setPageHeaders(c: Context): void {
  for (const [name, value] of Object.entries(PAGE_SECURITY_HEADERS)) c.header(name, value)
}
