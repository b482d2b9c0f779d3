import { parseScope } from './authorize.js'
import { checkTokenQuirks, claimedClient, shapeTokenResponse } from './quirks.js'
import { formDecode, json, methodNotAllowed, parseBasic, readParams } from './http.js'
import type { Params } from './http.js'
import { s256, safeEqual } from './secrets.js'
import { idTokenFor } from './oidc.js'
import { issueTokens, revokeFamily } from './state.js'
import type { SandboxState } from './state.js'
import type { SandboxClient, SandboxFailure } from './types.js'

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' }

/** The grant types the sandbox counts and serves. */
const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const
type GrantType = (typeof GRANT_TYPES)[number]

function isGrantType(value: string | undefined): value is GrantType {
  return (GRANT_TYPES as readonly (string | undefined)[]).includes(value)
}

/**
 * An OAuth error response.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
function oauthError(status: number, error: string, description: string): Response {
  const headers: Record<string, string> = { ...NO_STORE }
  // A 401 must name the scheme the client may retry with (RFC 6749 section 5.2).
  if (status === 401) headers['www-authenticate'] = 'Basic realm="sandbox"'
  return json(status, { error, error_description: description }, headers)
}

/** The configured `failNextToken` answer; its own headers win, even over the content type. */
function failure(failNext: SandboxFailure): Response {
  const text = typeof failNext.body === 'string'
  const headers = new Headers({ 'content-type': text ? 'text/plain' : 'application/json' })
  for (const [name, value] of Object.entries(failNext.headers ?? {})) headers.set(name, value)
  const body = text ? (failNext.body as string) : JSON.stringify(failNext.body)
  return new Response(body, { status: failNext.status, headers })
}

/**
 * Finds the client from HTTP Basic or from `client_id` and `client_secret` parameters, never
 * both. Basic credentials are form-urlencoded before base64, per RFC 6749 section 2.3.1.
 */
export function authenticateClient(
  state: SandboxState,
  req: Request,
  params: Params,
): { ok: true; client: SandboxClient } | { ok: false; response: Response } {
  const refuse = (description: string) => ({
    ok: false as const,
    response: oauthError(401, 'invalid_client', description),
  })
  const header = req.headers.get('authorization')
  let clientId: string | undefined
  let secret: string | undefined
  if (header !== null && /^basic(\s|$)/i.test(header)) {
    if (params.has('client_secret')) {
      return {
        ok: false,
        response: oauthError(400, 'invalid_request', 'Use one client authentication method'),
      }
    }
    const basic = parseBasic(header)
    if (!basic) return refuse('Malformed Basic authorization header')
    clientId = formDecode(basic.user)
    secret = formDecode(basic.pass)
    if (clientId === undefined || secret === undefined) {
      return refuse('Malformed Basic authorization header')
    }
    const paramId = params.get('client_id')
    if (paramId !== undefined && paramId !== clientId) {
      return refuse('client_id does not match the Basic credentials')
    }
  } else {
    clientId = params.get('client_id')
    secret = params.get('client_secret')
    if (clientId === undefined) return refuse('Client authentication is required')
    if (secret === undefined) return refuse('client_secret is missing')
  }
  const client = state.clients.get(clientId)
  // Compare against something even for an unknown client, so timing does not reveal which exist.
  const valid = safeEqual(secret, client?.clientSecret ?? '\0unknown client')
  if (!client || !valid) return refuse('Client authentication failed')
  return { ok: true, client }
}

function grantAuthorizationCode(
  state: SandboxState,
  client: SandboxClient,
  params: Params,
  req: Request,
): Response {
  const code = params.get('code')
  const redirectUri = params.get('redirect_uri')
  if (code === undefined) return oauthError(400, 'invalid_request', 'code is missing')
  if (redirectUri === undefined) {
    return oauthError(400, 'invalid_request', 'redirect_uri is missing')
  }
  const record = state.codes.get(code)
  if (!record) return oauthError(400, 'invalid_grant', 'The authorization code is not valid')
  if (record.used) {
    // A replayed code hints at theft, so what it bought is withdrawn (RFC 6749 section 4.1.2).
    revokeFamily(state, code)
    return oauthError(400, 'invalid_grant', 'The authorization code was already used')
  }
  if (record.clientId !== client.clientId) {
    return oauthError(400, 'invalid_grant', 'The authorization code was issued to another client')
  }
  if (record.expiresAt <= state.now()) {
    return oauthError(400, 'invalid_grant', 'The authorization code has expired')
  }
  if (record.redirectUri !== redirectUri) {
    return oauthError(400, 'invalid_grant', 'redirect_uri does not match the authorization request')
  }
  const verifier = params.get('code_verifier')
  if (record.codeChallenge === undefined) {
    // OAuth 2.1 forbids a verifier without a challenge: it would hide a PKCE downgrade.
    if (verifier !== undefined) {
      return oauthError(400, 'invalid_grant', 'code_verifier sent but no code_challenge was')
    }
  } else {
    if (verifier === undefined) return oauthError(400, 'invalid_grant', 'code_verifier is missing')
    if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier)) {
      return oauthError(400, 'invalid_grant', 'code_verifier is malformed (RFC 7636 section 4.1)')
    }
    if (!safeEqual(s256(verifier), record.codeChallenge)) {
      return oauthError(400, 'invalid_grant', 'code_verifier does not match the code_challenge')
    }
  }
  record.used = true
  const tokens = issueTokens(state, {
    clientId: client.clientId,
    scope: record.scope,
    family: code,
    withRefresh: true,
  })
  const idToken = idTokenFor(state, req, {
    clientId: client.clientId,
    scope: record.scope,
    ...(record.nonce === undefined ? {} : { nonce: record.nonce }),
  })
  return json(200, idToken === undefined ? tokens : { ...tokens, id_token: idToken }, NO_STORE)
}

function grantRefreshToken(state: SandboxState, client: SandboxClient, params: Params): Response {
  const refreshToken = params.get('refresh_token')
  if (refreshToken === undefined) {
    return oauthError(400, 'invalid_request', 'refresh_token is missing')
  }
  const record = state.refreshTokens.get(refreshToken)
  if (!record) return oauthError(400, 'invalid_grant', 'The refresh token is not valid')
  if (record.clientId !== client.clientId) {
    return oauthError(400, 'invalid_grant', 'The refresh token was issued to another client')
  }
  const granted = record.scope.split(' ').filter((scope) => scope !== '')
  const requested = params.has('scope') ? parseScope(params.get('scope')) : granted
  if (!requested || !requested.every((scope) => granted.includes(scope))) {
    return oauthError(400, 'invalid_scope', 'The scope exceeds what was originally granted')
  }
  // Rotation: the presented token dies here, so a second use of it fails.
  state.refreshTokens.delete(refreshToken)
  const tokens = issueTokens(state, {
    clientId: client.clientId,
    scope: requested.join(' '),
    // A narrowed request narrows the access token only (RFC 6749 section 6).
    refreshScope: record.scope,
    ...(record.family === undefined ? {} : { family: record.family }),
    withRefresh: true,
  })
  return json(200, tokens, NO_STORE)
}

function grantClientCredentials(
  state: SandboxState,
  client: SandboxClient,
  params: Params,
): Response {
  const scopes = parseScope(params.get('scope'))
  if (!scopes) return oauthError(400, 'invalid_scope', 'The scope parameter is malformed')
  // No refresh token: the client can always ask again (RFC 6749 section 4.4.3).
  const tokens = issueTokens(state, {
    clientId: client.clientId,
    scope: scopes.join(' '),
    withRefresh: false,
    subject: client.clientId,
  })
  return json(200, tokens, NO_STORE)
}

/**
 * `POST /oauth/token` (also `GET`, with parameters in the query string as some clients send them),
 * and a client's own refresh path: the client named by the request is held to its quirks first,
 * and the answer shaped by them.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.2
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 */
export async function handleToken(state: SandboxState, req: Request): Promise<Response> {
  if (req.method !== 'GET' && req.method !== 'POST') return methodNotAllowed(['GET', 'POST'])
  const raw = req.clone()
  const read = await readParams(req.clone(), { query: true })
  const client = read.ok ? claimedClient(state, raw, read.params) : undefined
  const refusal = client && read.ok ? await checkTokenQuirks(client, raw, read.params) : null
  if (refusal) {
    const grantType = read.ok ? read.params.get('grant_type') : undefined
    if (isGrantType(grantType)) state.stats.tokenRequests[grantType] += 1
  }
  return shapeTokenResponse(state, client, refusal ?? (await serveToken(state, req)))
}

async function serveToken(state: SandboxState, req: Request): Promise<Response> {
  const read = await readParams(req, { query: true })
  const grantType = read.ok ? read.params.get('grant_type') : undefined
  if (isGrantType(grantType)) state.stats.tokenRequests[grantType] += 1

  const failNext = state.config.failNextToken
  if (failNext) {
    state.config.failNextToken = null
    return failure(failNext)
  }

  if (!read.ok) return oauthError(400, 'invalid_request', read.description)
  const auth = authenticateClient(state, req, read.params)
  if (!auth.ok) return auth.response
  if (grantType === undefined) return oauthError(400, 'invalid_request', 'grant_type is missing')
  if (!isGrantType(grantType)) {
    return oauthError(400, 'unsupported_grant_type', 'The grant_type is not supported')
  }
  switch (grantType) {
    case 'authorization_code':
      return grantAuthorizationCode(state, auth.client, read.params, req)
    case 'refresh_token':
      return grantRefreshToken(state, auth.client, read.params)
    case 'client_credentials':
      return grantClientCredentials(state, auth.client, read.params)
  }
}
