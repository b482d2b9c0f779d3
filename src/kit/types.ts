import type { z } from 'zod'
import type { JsonValue } from '../errors.js'

/** A JSON object, the shape of settings, credentials and stored definitions. */
export type JsonObject = { [key: string]: JsonValue }

/**
 * A request to the provider, declared as data. Strings may hold `{{templates}}` filled from
 * settings, credentials and context. A relative `url` resolves against the connector's base URL.
 */
export interface RequestSpec {
  url: string
  method?: string
  headers?: Record<string, string>
  query?: Record<string, string>
  body?: JsonValue
  /** How `body` is encoded; JSON unless `form`. */
  bodyType?: 'json' | 'form'
}

/** What a provider-facing function receives. */
export interface ProviderContext {
  settings: JsonObject
  /** The credentials being used or checked (access token, API key fields, username…). */
  credentials: JsonObject
  /** The connector's base URL, templated from settings; empty when it has none. */
  baseUrl: string
  /** A fetch that applies the credentials; relative URLs resolve against `baseUrl`. */
  fetch: (input: string | URL, init?: RequestInit) => Promise<Response>
}

/**
 * A provider-facing property: a URL string, a request object with `{{templates}}`, or a function
 * given a context with an authenticated `fetch`. A function returns the result itself.
 */
export type ProviderProperty<T = unknown> =
  | string
  | RequestSpec
  | ((ctx: ProviderContext) => T | Promise<T>)

/** What a URL-producing function receives (authorization and token URLs). */
export interface UrlContext {
  settings: JsonObject
}

/** A URL with `{{templates}}` from settings, or a function computing it (Lumos' dynamic URLs). */
export type UrlProperty = string | ((ctx: UrlContext) => string | Promise<string>)

/** Picks a value out of a provider response: a dot path (`data.user.login`) or a function. */
export type ValuePicker = string | ((profile: JsonValue) => string | null | undefined)

/** How the account behind a credential is found and named. */
export interface ProfileSpec {
  request: ProviderProperty<JsonValue>
  accountName?: ValuePicker
  email?: ValuePicker
}

/** A provider's failed answer, handed to `validateError` to be put in plain words. */
export interface ProviderFailure {
  status: number
  body: JsonValue | string | null
}

/** One field a user fills in to authenticate: rendered into forms, published as JSON Schema. */
export interface AuthField {
  type: 'text' | 'password' | 'textarea' | 'select'
  label: string
  tooltip?: string
  required: boolean
  placeholder?: string
  options?: { value: string; label: string }[]
}

/** Placement of credentials on every provider request; values are templates. */
export interface CredentialPlacement {
  headers: Record<string, string>
  query: Record<string, string>
}

interface SchemeCommon {
  /** A request (or function) that must succeed for credentials to be accepted. */
  validate?: ProviderProperty<unknown>
  /** Turns a provider's refusal into a clear message for the user. */
  validateError?: (failure: ProviderFailure) => string | undefined
  /** Finds the account name (and email) that names the connection. */
  profile?: ProfileSpec
  /** How the credentials are put on provider requests. */
  apply: CredentialPlacement
}

export type ClientAuthMethod = 'client_secret_post' | 'client_secret_basic'
export type TokenRequestEncoding = 'form' | 'json' | 'query'

export interface OAuth2Scheme extends SchemeCommon {
  type: 'oauth2'
  grantType: 'authorization_code' | 'client_credentials'
  authorizationUrl?: UrlProperty
  tokenUrl: UrlProperty
  /** Where refresh requests go, when not the token URL. */
  refreshUrl?: UrlProperty
  scopes: string[]
  scopeDelimiter: string
  pkce: boolean
  clientAuth: ClientAuthMethod
  tokenRequest: TokenRequestEncoding
  tokenMethod: 'POST' | 'GET'
  /** Extra parameters on the authorization URL (`access_type=offline`, `prompt=consent`…). */
  authorizationParams: Record<string, string>
  /** Extra parameters on every token request. */
  tokenParams: Record<string, string>
  /** Seconds before expiry at which to refresh; the runtime's default when absent. */
  refreshBeforeExpiry?: number
  /**
   * Replaces the standard token request of the code exchange (or the client-credentials grant):
   * a request object with `{{code}}`, `{{redirectUri}}`, `{{codeVerifier}}`, `{{clientId}}`,
   * `{{clientSecret}}`, or a function returning the token response's JSON.
   */
  requestAccessToken?: TokenRequestOverride
  /** Replaces the standard refresh request; templates also get `{{refreshToken}}`. */
  refreshAccessToken?: TokenRequestOverride
}

/** A token request declared as data or code, for providers whose token endpoint is unusual. */
export type TokenRequestOverride = RequestSpec | ((ctx: ProviderContext) => JsonValue | Promise<JsonValue>)

export interface ApiKeyScheme extends SchemeCommon {
  type: 'api_key'
  fields: Record<string, AuthField>
}

/** A login request that trades username and password for an expiring token. */
export interface LoginSpec {
  request: ProviderProperty<JsonValue>
  /** Where the token is in the login response. */
  tokenPath: string
  /** Where a lifetime in seconds is in the response. */
  expiresInPath?: string
  /** Where an absolute expiry (epoch seconds or ISO date) is in the response. */
  expiresAtPath?: string
  /** Seconds before expiry at which to log in again; the runtime's default when absent. */
  refreshBeforeExpiry?: number
}

export interface BasicScheme extends SchemeCommon {
  type: 'basic'
  fields: Record<string, AuthField>
  login?: LoginSpec
}

export type AuthScheme = OAuth2Scheme | ApiKeyScheme | BasicScheme

/** A page cursor passed into and out of paginated capabilities. */
export interface PageInfo {
  token?: string | null
  size?: number | null
}

/** What a capability's `run` receives. */
export interface CapabilityContext<S = JsonObject> {
  settings: S
  credentials: JsonObject
  baseUrl: string
  /** Applies the credentials; on a 401 refreshes once and retries once. */
  fetch: (input: string | URL, init?: RequestInit) => Promise<Response>
  /** `fetch`, then the JSON body; a non-2xx answer throws a PatchbayError named after its status. */
  fetchJson: <T = JsonValue>(input: string | URL, init?: RequestInit) => Promise<T>
  page: PageInfo | null
  connectionId: string | null
}

/** A named operation with zod request and response schemas. */
export interface Capability<Req = any, Res = any, S = any> {
  description?: string
  request: z.ZodType<Req>
  response: z.ZodType<Res>
  /** Scopes this capability needs. */
  scopes?: string[]
  run: (ctx: CapabilityContext<S>, request: Req) => Promise<Res | Paginated<Res>>
}

/** A capability result with the cursor of the next page. */
export class Paginated<T> {
  constructor(
    readonly response: T,
    readonly page: PageInfo | null,
  ) {}
}

/** A connector: metadata, settings schema, auth scheme, base URL and capabilities. */
export interface Connector<S = any> {
  id: string
  name: string
  description?: string
  logoUrl?: string
  categories: string[]
  docsUrl?: string
  version?: string
  /** Templated from settings, e.g. `https://{{subdomain}}.freshdesk.com`. */
  baseUrl?: string
  settings: z.ZodType<S>
  auth: AuthScheme
  capabilities: Record<string, Capability<any, any, S>>
}
