import type {
  ApiKeyScheme,
  AuthField,
  BasicScheme,
  ClientAuthMethod,
  CredentialPlacement,
  LoginSpec,
  OAuth2Scheme,
  ProfileSpec,
  ProviderFailure,
  ProviderProperty,
  TokenRequestEncoding,
  TokenRequestOverride,
  TokenResponsePaths,
  UrlProperty,
} from './types.js'
import { oidcSchemeParts } from './oidc.js'
import type { OidcOptions, ProfileInput } from './oidc.js'
import { durationSeconds } from './duration.js'
import type { Duration } from './duration.js'

/** An auth field as written by a connector author; everything but the name has a default. */
export type AuthFieldInput = Partial<AuthField>

interface CommonInput {
  validate?: ProviderProperty<unknown>
  validateError?: (failure: ProviderFailure) => string | undefined
  profile?: ProfileSpec
  /** Header templates, e.g. `{ Authorization: 'Token {{apiKey}}' }`. */
  headers?: Record<string, string>
  /** Query parameter templates, e.g. `{ api_key: '{{apiKey}}' }`. */
  query?: Record<string, string>
}

export interface OAuth2Options extends Omit<CommonInput, 'profile'> {
  /**
   * OpenID Connect: `authorizationUrl` and `tokenUrl` may then be left out (they come from the
   * issuer's discovery), and the ID token is verified before a connection is stored.
   */
  oidc?: OidcOptions
  /** RFC 7009 token revocation, called when a connection is deleted. */
  revocationUrl?: UrlProperty
  /** With `oidc`, `request` may be left out: the pickers then read the ID token's claims. */
  profile?: ProfileInput
  grantType?: 'authorization_code' | 'client_credentials' | 'refresh_token'
  authorizationUrl?: UrlProperty
  /** Required unless `oidc` is given. */
  tokenUrl?: UrlProperty
  refreshUrl?: UrlProperty
  scopes?: string[]
  /** The provider's documented scopes, published by `info` beside the defaults. */
  availableScopes?: string[]
  scopeDelimiter?: string
  /** PKCE S256; on unless turned off for a provider that rejects it. */
  pkce?: boolean
  clientAuth?: ClientAuthMethod
  tokenRequest?: TokenRequestEncoding
  tokenMethod?: 'POST' | 'GET'
  authorizationParams?: Record<string, string>
  tokenParams?: Record<string, string>
  /** How long before expiry to refresh: seconds, or `{ value, unit }` (Appmixer's units). */
  refreshBeforeExpiry?: Duration
  requestAccessToken?: TokenRequestOverride
  refreshAccessToken?: TokenRequestOverride
  /** Dot paths to the token response's fields, for providers that nest or rename them. */
  tokenResponse?: TokenResponsePaths
}

/**
 * Declares OAuth 2: authorization code with PKCE, client credentials, or a refresh token the user
 * brings (`grantType: 'refresh_token'`).
 */
export function oauth2(options: OAuth2Options): OAuth2Scheme {
  const grantType = options.grantType ?? 'authorization_code'
  const needsUrl = grantType === 'authorization_code' && !options.oidc
  if (needsUrl && options.authorizationUrl === undefined) {
    throw new TypeError('oauth2: authorizationUrl is required for the authorization_code grant')
  }
  const oidcParts = oidcSchemeParts(options)
  return {
    type: 'oauth2',
    grantType,
    ...(options.authorizationUrl === undefined ? {} : { authorizationUrl: options.authorizationUrl }),
    tokenUrl: oidcParts.tokenUrl,
    ...(options.refreshUrl === undefined ? {} : { refreshUrl: options.refreshUrl }),
    scopes: [...(options.scopes ?? [])],
    ...(options.availableScopes === undefined ? {} : { availableScopes: [...options.availableScopes] }),
    scopeDelimiter: options.scopeDelimiter ?? ' ',
    pkce: options.pkce ?? true,
    clientAuth: options.clientAuth ?? 'client_secret_post',
    tokenRequest: options.tokenRequest ?? 'form',
    tokenMethod: options.tokenMethod ?? 'POST',
    authorizationParams: { ...options.authorizationParams },
    tokenParams: { ...options.tokenParams },
    ...(options.refreshBeforeExpiry === undefined
      ? {}
      : { refreshBeforeExpiry: durationSeconds(options.refreshBeforeExpiry) }),
    ...(options.tokenResponse === undefined ? {} : { tokenResponse: { ...options.tokenResponse } }),
    ...(options.requestAccessToken ? { requestAccessToken: options.requestAccessToken } : {}),
    ...(options.refreshAccessToken ? { refreshAccessToken: options.refreshAccessToken } : {}),
    ...common(
      { ...options, profile: undefined },
      { headers: { Authorization: 'Bearer {{accessToken}}' }, query: {} },
    ),
    ...(oidcParts.profile ? { profile: oidcParts.profile } : {}),
    ...(oidcParts.oidc ? { oidc: oidcParts.oidc, scopes: oidcParts.scopes } : {}),
    ...(options.revocationUrl === undefined ? {} : { revocationUrl: options.revocationUrl }),
  }
}

export interface ApiKeyOptions extends CommonInput {
  /** The fields a user enters; `{ apiKey }` when absent. Freshdesk needs `{ domain, apiKey }`. */
  fields?: Record<string, AuthFieldInput>
  /** Shorthand: the header that carries `{{apiKey}}` as is. */
  header?: string
  /** Shorthand: the query parameter that carries `{{apiKey}}`. */
  queryParam?: string
}

/** Declares API-key authentication: in a header, a query parameter, or a template. */
export function apiKey(options: ApiKeyOptions = {}): ApiKeyScheme {
  const fields = normalizeFields(options.fields ?? { apiKey: { type: 'password', label: 'API key' } })
  const headers = { ...options.headers }
  const query = { ...options.query }
  if (options.header) headers[options.header] = '{{apiKey}}'
  if (options.queryParam) query[options.queryParam] = '{{apiKey}}'
  // Explicitly empty `headers` and `query` mean no placement at all: the connector signs or
  // places the key itself (Aliyun's signed query, Vonage's form body).
  const placeNothing =
    options.headers !== undefined &&
    options.query !== undefined &&
    Object.keys(headers).length + Object.keys(query).length === 0
  const placement =
    Object.keys(headers).length + Object.keys(query).length === 0 && !placeNothing
      ? { headers: { Authorization: 'Bearer {{apiKey}}' }, query: {} }
      : { headers, query }
  return { type: 'api_key', fields, ...common({ ...options, ...placement }, placement) }
}

export interface BasicOptions extends CommonInput {
  fields?: Record<string, AuthFieldInput>
  /** Trade username and password for an expiring token instead of sending them each time. */
  login?: LoginSpec
}

/**
 * Declares username/password authentication: HTTP Basic on every request, or, with `login`,
 * a token obtained by logging in and renewed by logging in again before it expires.
 */
export function basic(options: BasicOptions = {}): BasicScheme {
  const fields = normalizeFields(
    options.fields ?? {
      username: { type: 'text', label: 'Username' },
      password: { type: 'password', label: 'Password' },
    },
  )
  const fallback: CredentialPlacement = options.login
    ? { headers: { Authorization: 'Bearer {{token}}' }, query: {} }
    : { headers: { Authorization: 'Basic {{basicAuth}}' }, query: {} }
  return {
    type: 'basic',
    fields,
    ...(options.login ? { login: options.login } : {}),
    ...common(options, fallback),
  }
}

function common(
  input: CommonInput,
  fallback: CredentialPlacement,
): Pick<OAuth2Scheme, 'validate' | 'validateError' | 'profile' | 'apply'> {
  const hasPlacement = input.headers !== undefined || input.query !== undefined
  return {
    ...(input.validate === undefined ? {} : { validate: input.validate }),
    ...(input.validateError === undefined ? {} : { validateError: input.validateError }),
    ...(input.profile === undefined ? {} : { profile: input.profile }),
    apply: hasPlacement ? { headers: { ...input.headers }, query: { ...input.query } } : fallback,
  }
}

function normalizeFields(fields: Record<string, AuthFieldInput>): Record<string, AuthField> {
  const out: Record<string, AuthField> = {}
  for (const [name, field] of Object.entries(fields)) {
    out[name] = {
      type: field.type ?? (/key|secret|password|token/i.test(name) ? 'password' : 'text'),
      label: field.label ?? name,
      required: field.required ?? true,
      ...(field.tooltip === undefined ? {} : { tooltip: field.tooltip }),
      ...(field.placeholder === undefined ? {} : { placeholder: field.placeholder }),
      ...(field.options === undefined ? {} : { options: field.options }),
    }
  }
  return out
}
