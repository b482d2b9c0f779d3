import { renderErrorPage } from './consent-page.js'
import { formDecode, html, json, mediaType, parseBasic, redirect } from './http.js'
import type { Params } from './http.js'
import { randomToken } from './secrets.js'
import type { SandboxState } from './state.js'
import type { SandboxClient, SandboxQuirks } from './types.js'

/** The token endpoint every client not held to a `refreshPath` uses. */
const TOKEN_PATH = '/oauth/token'

const TENANT_PREFIX = /^\/tenants\/([^/]+)(\/.*)$/

function quirksOf(client: SandboxClient): SandboxQuirks {
  return client.quirks ?? {}
}

/** The tenant a request addresses (`/tenants/<tenant>/…`), or undefined at the bare host. */
function tenantOf(req: Request): string | undefined {
  const match = TENANT_PREFIX.exec(new URL(req.url).pathname)
  return match ? decodeURIComponent(match[1]!) : undefined
}

/** A request's path without its tenant prefix: the path the provider routes by. */
function pathOf(req: Request): string {
  const { pathname } = new URL(req.url)
  return TENANT_PREFIX.exec(pathname)?.[2] ?? pathname
}

/**
 * The route key for a path: the tenant prefix dropped, and a client's `refreshPath` served by
 * the token endpoint (which then holds each client to its own path).
 */
export function routedPath(state: SandboxState, pathname: string): string {
  const path = TENANT_PREFIX.exec(pathname)?.[2] ?? pathname
  for (const client of state.clients.values()) {
    if (client.quirks?.refreshPath === path && path !== TOKEN_PATH) return TOKEN_PATH
  }
  return path
}

function oauthError(status: number, error: string, description: string): Response {
  return json(status, { error, error_description: description }, { 'cache-control': 'no-store' })
}

/**
 * The client a token request names, by its Basic header or its `client_id`, whether or not its
 * secret is right: quirks such as `errorAs200` shape the refusal of a wrong secret too.
 */
export function claimedClient(
  state: SandboxState,
  req: Request,
  params: Params,
): SandboxClient | undefined {
  const basic = parseBasic(req.headers.get('authorization'))
  const id = basic ? formDecode(basic.user) : params.get('client_id')
  return id === undefined ? undefined : state.clients.get(id)
}

/** The names of the parameters in a token request's body (a clone: the body is read here). */
async function bodyParamNames(req: Request): Promise<Set<string>> {
  if (req.method === 'GET' || req.method === 'HEAD') return new Set()
  const text = await req.text()
  if (text === '') return new Set()
  if (mediaType(req.headers.get('content-type')) === 'application/json') {
    try {
      const value: unknown = JSON.parse(text)
      return new Set(value && typeof value === 'object' ? Object.keys(value) : [])
    } catch {
      return new Set()
    }
  }
  return new Set(new URLSearchParams(text).keys())
}

/** Where the client put its secret: a Basic header, the body, or the URL's query string. */
function clientAuthStyle(req: Request, body: Set<string>): 'basic' | 'post' | 'query' | 'none' {
  if (/^basic(\s|$)/i.test(req.headers.get('authorization') ?? '')) return 'basic'
  if (new URL(req.url).searchParams.has('client_secret')) return 'query'
  return body.has('client_secret') ? 'post' : 'none'
}

/** How the grant parameters arrived: in the query string, or a form or JSON body. */
function encodingOf(req: Request, body: Set<string>): 'form' | 'json' | 'query' | 'none' {
  if (body.has('grant_type')) {
    return mediaType(req.headers.get('content-type')) === 'application/json' ? 'json' : 'form'
  }
  return new URL(req.url).searchParams.has('grant_type') ? 'query' : 'none'
}

const AUTH_NAMES = {
  basic: 'HTTP Basic',
  post: 'client_secret in the body',
  query: 'client_secret in the query string',
}

/**
 * Holds a token request to its client's quirks: the path (tenant and refresh path), the method,
 * where the client authenticates, how the grant is encoded, and required parameters. Returns the
 * provider's refusal, or null when the request may be served. `req` must be an unread clone.
 */
export async function checkTokenQuirks(
  client: SandboxClient,
  req: Request,
  params: Params,
): Promise<Response | null> {
  const quirks = quirksOf(client)
  if (tenantOf(req) !== quirks.tenant) {
    // Another host's client is unknown here, as it would be at a real per-tenant host.
    return oauthError(401, 'invalid_client', 'Client authentication failed')
  }
  const path = pathOf(req)
  const grant = params.get('grant_type')
  if (path !== TOKEN_PATH) {
    if (quirks.refreshPath !== path) return oauthError(404, 'not_found', 'No token endpoint here')
    if (grant !== 'refresh_token') {
      return oauthError(400, 'unsupported_grant_type', 'This endpoint only refreshes tokens')
    }
  } else if (quirks.refreshPath !== undefined && grant === 'refresh_token') {
    return oauthError(400, 'unsupported_grant_type', `Refresh tokens at ${quirks.refreshPath}`)
  }
  if (quirks.tokenMethod !== undefined && req.method !== quirks.tokenMethod) {
    return oauthError(400, 'invalid_request', `The token endpoint takes ${quirks.tokenMethod} only`)
  }
  const body = await bodyParamNames(req)
  if (quirks.tokenAuth !== undefined && clientAuthStyle(req, body) !== quirks.tokenAuth) {
    return oauthError(
      401,
      'invalid_client',
      `This client authenticates with ${AUTH_NAMES[quirks.tokenAuth]}`,
    )
  }
  if (quirks.tokenEncoding !== undefined && encodingOf(req, body) !== quirks.tokenEncoding) {
    const as = { form: 'a form body', json: 'a JSON body', query: 'the query string' }[
      quirks.tokenEncoding
    ]
    return oauthError(400, 'invalid_request', `Token request parameters must come in ${as}`)
  }
  for (const [name, value] of Object.entries(quirks.requireTokenParams ?? {})) {
    if (params.get(name) !== value) {
      return oauthError(400, 'invalid_request', `${name}=${value} is required`)
    }
  }
  return null
}

/** Names of the `renamed` shape, from the RFC 6749 ones. */
const RENAMED: Record<string, string> = {
  access_token: 'accessToken',
  refresh_token: 'refreshToken',
  expires_in: 'expiresIn',
  expires_at: 'expiresAt',
  token_type: 'tokenType',
  scope: 'scopes',
}

const TOKEN_FIELDS = new Set(Object.keys(RENAMED))

function reshape(
  state: SandboxState,
  quirks: SandboxQuirks,
  tokens: Record<string, unknown>,
): Record<string, unknown> {
  const body = { ...tokens }
  const lifetime = Number(body['expires_in'])
  if (quirks.expiry !== undefined && quirks.expiry !== 'expires_in') delete body['expires_in']
  const expiresAt = Math.floor(state.now() / 1000) + lifetime
  if (quirks.expiry === 'expires_at') body['expires_at'] = expiresAt
  if (quirks.expiry === 'expires_at_iso')
    body['expires_at'] = new Date(expiresAt * 1000).toISOString()
  if (quirks.scopeDelimiter !== undefined && typeof body['scope'] === 'string') {
    body['scope'] = body['scope'].split(' ').join(quirks.scopeDelimiter)
  }
  if (quirks.responseShape === 'nested') {
    const authedUser: Record<string, unknown> = { id: 'u_1' }
    const outer: Record<string, unknown> = { ok: true, app_id: 'A_SANDBOX' }
    for (const [name, value] of Object.entries(body)) {
      if (TOKEN_FIELDS.has(name)) authedUser[name] = value
      else outer[name] = value
    }
    return { ...outer, authed_user: authedUser }
  }
  if (quirks.responseShape === 'renamed') {
    return Object.fromEntries(
      Object.entries(body).map(([name, value]) => [RENAMED[name] ?? name, value]),
    )
  }
  return body
}

/**
 * Shapes a token endpoint answer to the client's quirks: a success is reshaped (lifetime style,
 * nesting or renaming, scope delimiter), an error comes with status 200 under `errorAs200`.
 */
export async function shapeTokenResponse(
  state: SandboxState,
  client: SandboxClient | undefined,
  response: Response,
): Promise<Response> {
  const quirks = client?.quirks
  if (!quirks) return response
  if (!response.ok) {
    if (!quirks.errorAs200) return response
    return json(200, await response.json(), { 'cache-control': 'no-store' })
  }
  const tokens = (await response.json()) as Record<string, unknown>
  return json(200, reshape(state, quirks, tokens), {
    'cache-control': 'no-store',
    pragma: 'no-cache',
  })
}

/** What an authorization request has been found to be, as `handleAuthorize` checks it. */
interface AuthorizeRequest {
  client: SandboxClient
  redirectUri: string
  scopes: string[]
  state?: string
}

/**
 * Holds an authorization request to its client's quirks: the tenant (on GET: the consent page
 * posts its decision to the bare `/oauth/authorize`), the scope delimiter (re-reading
 * `checked.scopes` with it) and the required scopes. Returns the refusal, or null.
 */
export function checkAuthorizeQuirks(
  checked: AuthorizeRequest,
  req: Request,
  params: Params,
): Response | null {
  const quirks = quirksOf(checked.client)
  if (req.method === 'GET' && tenantOf(req) !== quirks.tenant) {
    return html(400, renderErrorPage('invalid_client', 'Unknown client_id'))
  }
  if (quirks.scopeDelimiter !== undefined) {
    const tokens = (params.get('scope') ?? '')
      .split(quirks.scopeDelimiter)
      .map((scope) => scope.trim())
    checked.scopes = [...new Set(tokens.filter((scope) => scope !== ''))]
  }
  const missing = (quirks.requiredScopes ?? []).filter((scope) => !checked.scopes.includes(scope))
  if (missing.length > 0) {
    const to = new URL(checked.redirectUri)
    to.searchParams.set('error', 'invalid_scope')
    to.searchParams.set('error_description', `The scope must include ${missing.join(', ')}`)
    if (checked.state !== undefined) to.searchParams.set('state', checked.state)
    return redirect(to.href)
  }
  return null
}

/** Records a refresh token for a client, issued out of band (a developer console's token). */
export function issueRefreshToken(state: SandboxState, clientId: string, scope = ''): string {
  if (!state.clients.has(clientId)) throw new TypeError(`No sandbox client "${clientId}"`)
  const token = randomToken(32)
  state.issued.add(token)
  state.refreshTokens.set(token, { clientId, scope })
  return token
}
