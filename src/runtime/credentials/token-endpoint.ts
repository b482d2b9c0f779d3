import { PatchbayError } from '../../errors.js'
import { oauth2 as oauth2Engine } from '../../engines/index.js'
import type { ClientCredentials, TokenEndpoint, TokenSet } from '../../engines/oauth2/index.js'
import { buildSpecRequest, renderUrlTemplate, resolveUrl } from '../../kit/index.js'
import type {
  AuthScheme,
  JsonObject,
  OAuth2Scheme,
  TokenRequestOverride,
  TokenResponsePaths,
  UrlPolicy,
  UrlProperty,
} from '../../kit/index.js'
import type { Integration } from '../../store/index.js'
import type { FetchLike } from '../fetch/fetch-like.js'

/** Credentials with the expiry the runtime schedules by. */
export interface IssuedCredentials {
  credentials: JsonObject
  expiresAt: number | null
  /**
   * The connection's settings completed by the token response (`tokenResponse.settings`,
   * Salesforce's instance URL), checked; absent when it supplies none.
   */
  settings?: JsonObject
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
  if (tokens.raw) credentials['raw'] = tokens.raw as JsonObject
  return { credentials, expiresAt: tokens.expiresAt ?? null }
}

/** The token set stored in an OAuth 2 connection's credentials. */
export function tokensFromCredentials(credentials: JsonObject): TokenSet {
  const tokens: TokenSet = {
    accessToken: String(credentials['accessToken'] ?? ''),
    tokenType: String(credentials['tokenType'] ?? 'Bearer'),
  }
  if (typeof credentials['refreshToken'] === 'string') tokens.refreshToken = credentials['refreshToken']
  if (typeof credentials['scope'] === 'string') tokens.scope = credentials['scope']
  if (typeof credentials['idToken'] === 'string') tokens.idToken = credentials['idToken']
  return tokens
}

/** A tenant's own client id and secret in its credentials, kept across renewals. */
export function clientFields(credentials: JsonObject): JsonObject {
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

/** Template variables of an OAuth client, for token request overrides. */
export function clientVars(client: ClientCredentials): JsonObject {
  return { clientId: client.clientId, clientSecret: client.clientSecret ?? '' }
}
