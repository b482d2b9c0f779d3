// The request target as the client sent it, before URL parsing removed `..` segments: the proxy
// must see `/proxy/../admin` to refuse it, where the parsed URL already says `/admin`. Kept beside
// the Request, so the app stays a plain `(request) => Response` handler.
const rawTargets = new WeakMap<Request, string>()

/** Records the request target (`/path?query`) a client sent; the Node adapter calls this. */
export function rememberRawTarget(request: Request, target: string | undefined): void {
  if (target?.startsWith('/')) rawTargets.set(request, target)
}

/** The request target as sent, or the parsed URL's path and query when none was recorded. */
export function rawTargetOf(request: Request): string {
  const recorded = rawTargets.get(request)
  if (recorded !== undefined) return recorded
  const url = new URL(request.url)
  return `${url.pathname}${url.search}`
}
