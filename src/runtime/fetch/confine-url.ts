import { PatchbayError } from '../../errors.js'

// Decoding more than this many times is not something a real path needs.
const MAX_DECODES = 3

function refuse(reason: string): never {
  throw new PatchbayError(
    'bad_request',
    `The path ${reason}; it must stay under the connector's base URL`,
    { details: { problems: [`path: ${reason}`] } },
  )
}

/** The texts a path segment may turn into when a server decodes it once, twice, … */
function decodings(segment: string): string[] {
  const seen = [segment]
  let current = segment
  for (let i = 0; i < MAX_DECODES && current.includes('%'); i += 1) {
    try {
      current = decodeURIComponent(current)
    } catch {
      break
    }
    seen.push(current)
  }
  return seen
}

/**
 * Resolves a path (with an optional query) under a connector's base URL, refusing anything that
 * could reach another host or climb out of the base path: absolute URLs, `//host`, backslashes,
 * `@`, and `.`/`..` segments however they are percent-encoded (some servers decode twice). The
 * result is then checked again after resolving: same origin, path under the base path. The proxy
 * and `patchbay.connection(id).fetch` both go through here.
 * @param path e.g. `/repos/octo/hello?per_page=10`; a leading `/` is optional
 * @param baseUrl the connector's base URL with its templates filled
 * @throws PatchbayError `bad_request` for a path that would escape
 * @throws PatchbayError `invalid_config` when the connector has no usable base URL
 */
export function confineUrl(path: string, baseUrl: string): URL {
  let base: URL
  try {
    base = new URL(baseUrl)
  } catch {
    throw new PatchbayError(
      'invalid_config',
      'The connector has no valid base URL to send requests to',
    )
  }
  const queryAt = path.indexOf('?')
  const pathPart = queryAt === -1 ? path : path.slice(0, queryAt)
  const query = queryAt === -1 ? '' : path.slice(queryAt + 1)
  if (/^[a-z][a-z0-9+.-]*:/i.test(pathPart)) refuse('is an absolute URL')
  const relative = pathPart.startsWith('/') ? pathPart.slice(1) : pathPart
  if (relative.startsWith('/')) refuse('starts with "//"')
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(relative)) refuse('is an absolute URL')
  if (pathPart.includes('@')) refuse('contains "@"')
  for (const segment of relative.split('/')) {
    for (const text of decodings(segment)) {
      if (text.includes('\\')) refuse('contains a backslash')
      const parts = text.split('/')
      // `..;x` is `..` to servers that cut path parameters at `;` (Tomcat, Jetty).
      const dots = (part: string) => /^\.\.?$/.test(part.split(';')[0] as string)
      if (parts.some(dots)) refuse('has a "." or ".." segment')
      if (/[\0-\x1f\x7f]/.test(text)) refuse('contains a control character')
    }
  }
  const basePath = base.pathname.replace(/\/+$/, '')
  const url = new URL(base.origin)
  url.pathname = `${basePath}/${relative}`
  url.search = query
  // Checked again on the result, in case the URL parser sees something the checks above missed.
  const underBase = url.pathname === basePath || url.pathname.startsWith(`${basePath}/`)
  if (url.origin !== base.origin || !underBase || url.username !== '' || url.password !== '') {
    refuse('leaves the base URL')
  }
  return url
}
