import { json, mediaType, parseBearer } from './http.js'
import { findAccessToken, SANDBOX_ME, SANDBOX_USER } from './state.js'
import type { AccessTokenRecord, SandboxState, TokenLookup } from './state.js'

const ITEMS = [
  { id: '1', name: 'First' },
  { id: '2', name: 'Second' },
] as const

const MAX_LIMIT = 100

const REASONS = {
  missing: 'An access token is required',
  unknown: 'The access token is not valid',
  expired: 'The access token expired',
} as const

/**
 * Checks the request's bearer token, answering 401 `invalid_token` when it is missing, unknown
 * or expired.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function requireBearer(
  state: SandboxState,
  req: Request,
  kinds: readonly AccessTokenRecord['kind'][],
): { ok: true; record: AccessTokenRecord } | { ok: false; response: Response } {
  const lookup: TokenLookup = findAccessToken(
    state,
    parseBearer(req.headers.get('authorization')),
    kinds,
  )
  if (lookup.ok) return lookup
  return {
    ok: false,
    response: json(
      401,
      { error: 'invalid_token', error_description: REASONS[lookup.reason] },
      { 'www-authenticate': 'Bearer error="invalid_token"' },
    ),
  }
}

/** `GET /me`: the sandbox user, for OAuth access tokens. */
export function handleMe(state: SandboxState, req: Request): Response {
  const auth = requireBearer(state, req, ['oauth'])
  if (!auth.ok) return auth.response
  return json(200, SANDBOX_ME)
}

/**
 * `GET /user/emails`, shaped like GitHub's: the user's addresses with `primary` and `verified`.
 * The primary one is unverified under the `unverifiedEmail` switch; a second, verified address
 * is never primary, so a client must not take it for the user's email.
 */
export function handleEmails(state: SandboxState, req: Request): Response {
  const auth = requireBearer(state, req, ['oauth'])
  if (!auth.ok) return auth.response
  return json(200, [
    { email: 'old@sandbox.test', primary: false, verified: true, visibility: null },
    {
      email: SANDBOX_USER.email,
      primary: true,
      verified: !state.config.unverifiedEmail,
      visibility: 'private',
    },
  ])
}

function encodeCursor(offset: number): string {
  return Buffer.from(`o:${offset}`, 'utf8').toString('base64url')
}

function decodeCursor(cursor: string): number | undefined {
  const match = /^o:(\d{1,6})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'))
  return match ? Number(match[1]) : undefined
}

function badRequest(description: string): Response {
  return json(400, { error: 'invalid_request', error_description: description })
}

/**
 * `GET /api/items`: a fixed list, paged with `limit` and an opaque `cursor`; `next_cursor` is
 * present only while more items remain.
 */
export function handleItems(state: SandboxState, req: Request): Response {
  const auth = requireBearer(state, req, ['oauth', 'login'])
  if (!auth.ok) return auth.response
  const query = new URL(req.url).searchParams
  const limitParam = query.get('limit')
  const cursorParam = query.get('cursor')
  let limit: number = ITEMS.length
  if (limitParam !== null) {
    limit = Number(limitParam)
    if (!/^\d+$/.test(limitParam) || limit < 1 || limit > MAX_LIMIT) {
      return badRequest(`limit must be an integer from 1 to ${MAX_LIMIT}`)
    }
  }
  let offset = 0
  if (cursorParam !== null) {
    const decoded = decodeCursor(cursorParam)
    if (decoded === undefined || decoded > ITEMS.length) return badRequest('cursor is not valid')
    offset = decoded
  }
  const end = offset + limit
  const page = ITEMS.slice(offset, end)
  return json(
    200,
    end < ITEMS.length ? { items: page, next_cursor: encodeCursor(end) } : { items: page },
  )
}

async function readEchoBody(req: Request): Promise<unknown> {
  const text = await req.text()
  if (text === '') return null
  const type = mediaType(req.headers.get('content-type'))
  if (type === 'application/json' || type.endsWith('+json')) {
    try {
      return JSON.parse(text)
    } catch {
      return text
    }
  }
  if (type === 'application/x-www-form-urlencoded') return groupEntries(new URLSearchParams(text))
  return text
}

function groupEntries(entries: Iterable<[string, string]>): Record<string, string | string[]> {
  const grouped: Record<string, string | string[]> = {}
  for (const [name, value] of entries) {
    const previous = grouped[name]
    if (previous === undefined) grouped[name] = value
    else grouped[name] = Array.isArray(previous) ? [...previous, value] : [previous, value]
  }
  return grouped
}

/**
 * `/api/echo` (any method): returns what arrived, so proxy tests can see what was forwarded.
 * The Authorization header is left out so the echo never reflects a credential.
 */
export async function handleEcho(state: SandboxState, req: Request): Promise<Response> {
  const auth = requireBearer(state, req, ['oauth', 'login'])
  if (!auth.ok) return auth.response
  const headers: Record<string, string> = {}
  for (const [name, value] of req.headers) {
    if (name !== 'authorization') headers[name] = value
  }
  return json(200, {
    method: req.method,
    headers,
    query: groupEntries(new URL(req.url).searchParams),
    body: await readEchoBody(req),
  })
}
