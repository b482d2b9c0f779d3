/** Request parameters by name, each present at most once and never empty. */
export type Params = ReadonlyMap<string, string>

/** The outcome of reading parameters: the map, or why the request is malformed. */
type ParamsResult = { ok: true; params: Params } | { ok: false; description: string }

/** A JSON response; `body` is serialised as is. */
export function json(status: number, body: unknown, headers?: HeadersInit): Response {
  const res = new Response(JSON.stringify(body), { status, headers })
  res.headers.set('content-type', 'application/json; charset=utf-8')
  return res
}

/** An HTML response that may not be framed by another origin. */
export function html(status: number, body: string, headers?: HeadersInit): Response {
  const res = new Response(body, { status, headers })
  res.headers.set('content-type', 'text/html; charset=utf-8')
  // Consent pages are a clickjacking target, so refuse framing like real providers do.
  res.headers.set('x-frame-options', 'DENY')
  res.headers.set(
    'content-security-policy',
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  )
  res.headers.set('cache-control', 'no-store')
  return res
}

/** A 302 to `location`, uncacheable since it may carry an authorization code. */
export function redirect(location: string): Response {
  return new Response(null, {
    status: 302,
    headers: { location, 'cache-control': 'no-store' },
  })
}

/** A 405 naming the methods the path does accept. */
export function methodNotAllowed(allowed: readonly string[]): Response {
  return json(405, { error: 'method_not_allowed' }, { allow: allowed.join(', ') })
}

/**
 * Reads parameters from the query string and, for requests with a body, from a form or JSON body.
 * Empty values count as absent and a repeated name is an error.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.1
 */
export async function readParams(req: Request, sources: { query: boolean }): Promise<ParamsResult> {
  const entries: [string, string][] = []
  if (sources.query) entries.push(...new URL(req.url).searchParams)

  const text = req.method === 'GET' || req.method === 'HEAD' ? '' : await req.text()
  if (text !== '') {
    const type = mediaType(req.headers.get('content-type'))
    if (type === 'application/x-www-form-urlencoded') {
      entries.push(...new URLSearchParams(text))
    } else if (type === 'application/json') {
      const parsed = parseJsonObject(text)
      if (!parsed.ok) return parsed
      entries.push(...parsed.entries)
    } else {
      return { ok: false, description: `Unsupported content type: ${type || '(none)'}` }
    }
  }

  const params = new Map<string, string>()
  for (const [name, value] of entries) {
    if (value === '') continue
    if (params.has(name)) return { ok: false, description: `Parameter ${name} is repeated` }
    params.set(name, value)
  }
  return { ok: true, params }
}

function parseJsonObject(
  text: string,
): { ok: true; entries: [string, string][] } | { ok: false; description: string } {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { ok: false, description: 'The body is not valid JSON' }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, description: 'The JSON body must be an object' }
  }
  const entries: [string, string][] = []
  for (const [name, field] of Object.entries(value)) {
    if (field === null || field === undefined) continue
    if (typeof field !== 'string') {
      return { ok: false, description: `Parameter ${name} must be a string` }
    }
    entries.push([name, field])
  }
  return { ok: true, entries }
}

/** The lower-cased media type of a Content-Type header, without parameters. */
export function mediaType(contentType: string | null): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase()
}

/**
 * Decodes an HTTP Basic `Authorization` header into its two halves, or `undefined` when the
 * header is absent or is not well-formed Basic.
 * @see https://www.rfc-editor.org/rfc/rfc7617#section-2
 */
export function parseBasic(header: string | null): { user: string; pass: string } | undefined {
  const match = /^Basic +([A-Za-z0-9+/]+={0,2})\s*$/i.exec(header ?? '')
  if (!match) return undefined
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return undefined
  return { user: decoded.slice(0, colon), pass: decoded.slice(colon + 1) }
}

/**
 * The token of a `Authorization: Bearer` header, or `undefined`.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 */
export function parseBearer(header: string | null): string | undefined {
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(header ?? '')
  return match?.[1]
}

/**
 * Undoes `application/x-www-form-urlencoded` encoding, or returns `undefined` for a malformed
 * percent escape.
 */
export function formDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '))
  } catch {
    return undefined
  }
}
