import { PatchbayError } from '../../errors.js'
import { basic as basicEngine, oauth2 as oauth2Engine } from '../../engines/index.js'
import type { ClientCredentials, TokenEndpoint, TokenSet } from '../../engines/oauth2/index.js'
import { buildSpecRequest, renderUrlTemplate, resolveUrl } from '../../kit/index.js'
import type {
  AuthScheme,
  BasicScheme,
  JsonObject,
  OAuth2Scheme,
  TokenRequestOverride,
  TokenResponsePaths,
  UrlPolicy,
  UrlProperty,
} from '../../kit/index.js'
import type { Integration } from '../../store/index.js'
import { recheckOAuth1Token } from './oauth1-credentials.js'
import { callProvider } from '../fetch/provider-call.js'
import type { FetchLike } from '../fetch/provider-call.js'

/** Credentials with the expiry the runtime schedules by. */
export interface IssuedCredentials {
  credentials: JsonObject
  expiresAt: number | null
}

/** What renewing one connection's credentials needs. */
export interface RenewEnv {
  scheme: AuthScheme
  integration: Integration | null
  settings: JsonObject
  credentials: JsonObject
  baseUrl: string
  fetch: FetchLike
  now: number
}

/**
 * Resolves a URL property: a template filled from settings (each value checked for its place in
 * the URL under the scheme's `urlPolicy`), or a function of them.
 * @throws PatchbayError `bad_request` naming a setting that would move the URL
 */
export async function resolveUrlProperty(
  property: UrlProperty,
  settings: JsonObject,
  policy?: UrlPolicy,
): Promise<string> {
  const url = typeof property === 'function' ? await property({ settings }) : property
  return renderUrlTemplate(url, [settings, { settings }], policy)
}

/** The token endpoint of a scheme, or its refresh endpoint when it declares one. */
export async function tokenEndpointOf(
  scheme: OAuth2Scheme,
  settings: JsonObject,
  purpose: 'token' | 'refresh' = 'token',
): Promise<TokenEndpoint> {
  const property = purpose === 'refresh' && scheme.refreshUrl ? scheme.refreshUrl : scheme.tokenUrl
  return {
    tokenUrl: await resolveUrlProperty(property, settings, scheme.urlPolicy),
    clientAuth: scheme.clientAuth,
    encoding: scheme.tokenRequest,
    method: scheme.tokenMethod,
    extraParams: scheme.tokenParams,
  }
}

/**
 * The OAuth client: a tenant's own client id and secret in its credentials (client credentials
 * connections may bring them) win over the integration's.
 */
export function clientOf(integration: Integration | null, credentials: JsonObject): ClientCredentials {
  const ownId = credentials['client_id']
  if (typeof ownId === 'string' && ownId !== '') {
    const ownSecret = credentials['client_secret']
    return { clientId: ownId, clientSecret: typeof ownSecret === 'string' ? ownSecret : null }
  }
  if (!integration?.clientId) {
    throw new PatchbayError(
      'invalid_config',
      `Integration ${integration ? `"${integration.id}" ` : ''}has no client_id`,
    )
  }
  return { clientId: integration.clientId, clientSecret: integration.clientSecret }
}

/** Stored credentials of an OAuth 2 connection, from a token set (and the client it came from). */
export function credentialsFromTokens(tokens: TokenSet, keep: JsonObject = {}): IssuedCredentials {
  const credentials: JsonObject = { ...keep, accessToken: tokens.accessToken, tokenType: tokens.tokenType }
  if (tokens.refreshToken) credentials['refreshToken'] = tokens.refreshToken
  if (tokens.expiresAt !== undefined) credentials['expiresAt'] = tokens.expiresAt
  if (tokens.scope) credentials['scope'] = tokens.scope
  if (tokens.idToken) credentials['idToken'] = tokens.idToken
  return { credentials, expiresAt: tokens.expiresAt ?? null }
}

function tokensFromCredentials(credentials: JsonObject): TokenSet {
  const tokens: TokenSet = {
    accessToken: String(credentials['accessToken'] ?? ''),
    tokenType: String(credentials['tokenType'] ?? 'Bearer'),
  }
  if (typeof credentials['refreshToken'] === 'string') tokens.refreshToken = credentials['refreshToken']
  if (typeof credentials['scope'] === 'string') tokens.scope = credentials['scope']
  if (typeof credentials['idToken'] === 'string') tokens.idToken = credentials['idToken']
  return tokens
}

function clientFields(credentials: JsonObject): JsonObject {
  const kept: JsonObject = {}
  if (typeof credentials['client_id'] === 'string') kept['client_id'] = credentials['client_id']
  if (typeof credentials['client_secret'] === 'string') {
    kept['client_secret'] = credentials['client_secret']
  }
  return kept
}

/** What a token request needs besides the request itself. */
export interface TokenRequestEnv {
  settings: JsonObject
  /** How settings may fill the override's URL (the scheme's `urlPolicy`). */
  urlPolicy?: UrlPolicy | undefined
  baseUrl: string
  fetch: FetchLike
  now: number
}

/**
 * Sends a token request and reads the tokens: the engine's standard request, or the connector's
 * override (a request object templated from `vars`, or a function returning the token JSON).
 * `paths` is the scheme's `tokenResponse`, for providers that nest or rename the fields.
 */
export async function obtainTokens(
  env: TokenRequestEnv,
  grant: oauth2Engine.TokenGrant,
  standard: () => Promise<Request>,
  override: TokenRequestOverride | undefined,
  vars: JsonObject,
  paths: TokenResponsePaths = {},
): Promise<TokenSet> {
  const at = { now: env.now, grant }
  if (override === undefined) {
    return oauth2Engine.readTokenResponse(await env.fetch(await standard()), at, paths)
  }
  if (typeof override === 'function') {
    const body = await override({
      settings: env.settings,
      credentials: vars,
      baseUrl: env.baseUrl,
      fetch: (input, init) => env.fetch(resolveUrl(String(input), env.baseUrl), init),
    })
    return oauth2Engine.readTokenResponse(Response.json(body), at, paths)
  }
  const scopes = [vars, env.settings, { settings: env.settings }]
  const request = buildSpecRequest(override, scopes, env.baseUrl, env.urlPolicy)
  return oauth2Engine.readTokenResponse(await env.fetch(request), at, paths)
}

function clientVars(client: ClientCredentials): JsonObject {
  return { clientId: client.clientId, clientSecret: client.clientSecret ?? '' }
}

/** Fetches a client-credentials token for a connection. */
export async function issueClientCredentials(
  env: RenewEnv,
  scheme: OAuth2Scheme,
): Promise<IssuedCredentials> {
  const client = clientOf(env.integration, env.credentials)
  const scopes = env.integration?.scopes ?? scheme.scopes
  const tokens = await obtainTokens(
    { ...env, urlPolicy: scheme.urlPolicy },
    'client_credentials',
    async () =>
      oauth2Engine.buildClientCredentialsRequest(await tokenEndpointOf(scheme, env.settings), client, {
        scopes,
        scopeDelimiter: scheme.scopeDelimiter,
      }),
    scheme.requestAccessToken,
    { ...clientVars(client), scope: scopes.join(scheme.scopeDelimiter) },
    scheme.tokenResponse,
  )
  return credentialsFromTokens(tokens, clientFields(env.credentials))
}

/** Logs in with username and password and keeps the token beside them. */
export async function issueLoginToken(env: RenewEnv, scheme: BasicScheme): Promise<IssuedCredentials> {
  const login = scheme.login
  if (!login) return { credentials: env.credentials, expiresAt: null }
  const { token: _old, expiresAt: _oldExpiry, ...userFields } = env.credentials
  const body = await callProvider(
    login.request,
    { ...env, credentials: userFields },
    { applyCredentials: false, ...(scheme.validateError ? { describeFailure: scheme.validateError } : {}) },
  )
  const result = basicEngine.readLoginResponse(body, login, env.now)
  const credentials: JsonObject = { ...userFields, token: result.token }
  if (result.expiresAt !== undefined) credentials['expiresAt'] = result.expiresAt
  return { credentials, expiresAt: result.expiresAt ?? null }
}

/** Whether a scheme can obtain new credentials by itself, without the user. */
export function canRenew(scheme: AuthScheme, credentials: JsonObject): boolean {
  if (scheme.type === 'oauth2') {
    return scheme.grantType === 'client_credentials' || typeof credentials['refreshToken'] === 'string'
  }
  // OAuth 1 tokens cannot be refreshed, but after a 401 the provider is asked whether the token
  // still stands, so a revoked one marks the connection needs_reauth.
  if (scheme.type === 'oauth1') return true
  return scheme.type === 'basic' && scheme.login !== undefined
}

/**
 * Obtains fresh credentials: a refresh-token grant (keeping the old refresh token when none
 * comes back), a new client-credentials token, or a new login.
 * @throws PatchbayError `needs_reauth` when only the user can fix it
 */
export async function renewCredentials(env: RenewEnv): Promise<IssuedCredentials> {
  const { scheme } = env
  if (scheme.type === 'oauth2' && scheme.grantType === 'client_credentials') {
    return issueClientCredentials(env, scheme)
  }
  if (scheme.type === 'oauth2') {
    const previous = tokensFromCredentials(env.credentials)
    if (!previous.refreshToken) {
      throw new PatchbayError('needs_reauth', 'The access token expired and there is no refresh token')
    }
    const client = clientOf(env.integration, env.credentials)
    const refreshToken = previous.refreshToken
    const next = await obtainTokens(
      { ...env, urlPolicy: scheme.urlPolicy },
      'refresh_token',
      async () =>
        oauth2Engine.buildRefreshRequest(await tokenEndpointOf(scheme, env.settings, 'refresh'), client, {
          refreshToken,
        }),
      scheme.refreshAccessToken,
      { ...clientVars(client), refreshToken },
      scheme.tokenResponse,
    )
    const merged = oauth2Engine.mergeRefreshedTokens(previous, next)
    return credentialsFromTokens(merged, clientFields(env.credentials))
  }
  if (scheme.type === 'basic' && scheme.login) return issueLoginToken(env, scheme)
  if (scheme.type === 'oauth1') {
    return recheckOAuth1Token(env, scheme, () => clientOf(env.integration, env.credentials))
  }
  return { credentials: env.credentials, expiresAt: null }
}
