/**
 * The Content-Security-Policy of every HTML page Patchbay serves (the Connect page, OAuth result
 * pages, the terminal flow's callback page): no inline script or style, nothing loaded from
 * elsewhere but logos, fetches only to Patchbay, never framed. `img-src` allows https logos and
 * data URLs. It lives in the kit so the server and the CLI share it without importing each other.
 */
export const PAGE_CSP = [
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
 * The headers every Patchbay HTML page carries: the CSP above, no framing, no content sniffing,
 * no Referer (a page's URL may hold a session or a code) and no caching.
 */
export const PAGE_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Security-Policy': PAGE_CSP,
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
})
