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

// An origin as a browser writes it: scheme, host, optional port, nothing else (no path, no
// quote or space that could end the directive).
const ORIGIN = /^https?:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?$/

/**
 * The pages' CSP for a Connect page that `origin` (an application page, on the redirect
 * allow-list) frames: the same policy with `frame-ancestors` naming that origin alone.
 * @throws TypeError for anything that is not a bare http(s) origin
 */
export function framablePageCsp(origin: string): string {
  if (!ORIGIN.test(origin)) throw new TypeError(`not an origin: ${JSON.stringify(origin)}`)
  return PAGE_CSP.replace("frame-ancestors 'none'", `frame-ancestors ${origin}`)
}

/** Whether `csp` is {@link framablePageCsp} for some origin, i.e. a page meant to be framed. */
export function isFramablePageCsp(csp: string): boolean {
  const origin = /frame-ancestors (\S+);/.exec(csp)?.[1]
  return origin !== undefined && ORIGIN.test(origin) && csp === framablePageCsp(origin)
}
