import type { ErrorHandler } from './error-handlers.js'
import type { z } from 'zod'
import type { JsonValue } from '../errors.js'
import type { HttpAllowance, UrlPolicy } from './url-template.js'
import type { NormalizedWebhooks } from './webhooks.js'
import type { BodyErrorSpec } from './body-error.js'
import type { ExpiresInUnit } from '../common/index.js'

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
  /**
   * Where the answer reports errors in its body, for APIs that answer 200 with them (GraphQL's
   * `errors`). Read on provider requests (`validate`, `profile`, `login`), not token requests.
   */
  errors?: ResponseErrorsSpec
}

/**
 * Errors carried in a provider's answer body, GraphQL style: `{"data": null, "errors":
 * [{"message": "…", "extensions": {"code": "AUTHENTICATION_ERROR"}}]}`. A non-empty value at
 * `path` makes the request a failure, even with a 2xx status.
 */
export interface ResponseErrorsSpec {
  /** Dot path of the errors in the body (`errors`). */
  path: string
  /** Dot path of the message inside the first error; `message` when absent. */
  message?: string
  /** Dot path of the provider's error code inside the first error (`extensions.code`). */
  code?: string
  /**
   * Provider codes mapped to Patchbay codes (`{"AUTHENTICATION_ERROR": "unauthorized"}`); an
   * unmapped error is `provider_error` in a 2xx answer, else coded by the HTTP status.
   */
  codes?: Record<string, ResponseErrorCode>
}

/** The Patchbay codes a provider's own error code may map to. */
export type ResponseErrorCode =
  | 'unauthorized'
  | 'not_found'
  | 'rate_limited'
  | 'bad_request'
  | 'timeout'
  | 'provider_error'

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

/**
 * Whether the provider says a value is verified: a dot path to its claim (`email_verified`), a
 * function, or `true` when the provider only ever returns verified values.
 */
export type VerifiedPicker = string | boolean | ((profile: JsonValue) => boolean)

/**
 * A list of the user's addresses (GitHub's `GET /user/emails`), from which the social profile
 * takes the primary verified one. Field names default to `email`, `primary` and `verified`.
 */
export interface EmailListSpec {
  request: ProviderProperty<JsonValue>
  /** Dot path of the list in the answer; the answer itself when absent. */
  list?: string
  email?: string
  primary?: string
  verified?: string
}

/**
 * How the account behind a credential is found and named. With `id`, the profile is a social
 * one: `get_user_info` returns the normalized profile (`id`, verified `email` and `phone`,
 * `name`, `avatar`, `raw`) that sign-in hands to applications.
 */
export interface ProfileSpec {
  request: ProviderProperty<JsonValue>
  accountName?: ValuePicker
  email?: ValuePicker
  /** The provider's stable user id (a number is turned into a string). */
  id?: ValuePicker
  /** Whether `email` is verified; without it, no email is returned by sign-in. */
  emailVerified?: VerifiedPicker
  phone?: ValuePicker
  /** Whether `phone` is verified; without it, no phone is returned by sign-in. */
  phoneVerified?: VerifiedPicker
  name?: ValuePicker
  avatar?: ValuePicker
  /** The email comes from this list instead: its primary verified address. */
  emails?: EmailListSpec
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
  /** How a 2xx answer of `validate` or `profile` says it failed (Slack's `{"ok": false}`). */
  bodyError?: BodyErrorSpec
  /**
   * Where `validate`'s answer names the tenant, `validate_credentials`'s `unique_tenant_id`
   * (Atlassian's cloud id at `0.id` of its accessible resources). Without it, the profile's
   * account name when the profile request is the check.
   */
  tenantId?: ValuePicker
  /** Finds the account name (and email) that names the connection. */
  profile?: ProfileSpec
  /** How the credentials are put on provider requests. */
  apply: CredentialPlacement
  /** The Connect page's button for this scheme (Appmixer's `connectAccountButton`). */
  connectButton?: ConnectButton
  /**
   * How settings may fill this scheme's URL templates; `defineConnector` derives it from the
   * connector's settings schema and `allowHttp`. Absent: host labels only (the strict default).
   */
  urlPolicy?: UrlPolicy
}

/** A custom Connect button: an image (https or data URL) and/or a label replacing the default. */
export interface ConnectButton {
  image?: string
  label?: string
}

/**
 * How the client authenticates at the token endpoint: body parameters, a Basic header, or
 * `client_id` and `client_secret` in the URL's query string (whatever carries the grant).
 */
export type ClientAuthMethod = 'client_secret_post' | 'client_secret_basic' | 'client_secret_query'

/**
 * Where the fields of a token response are, as dot paths, for providers that nest or rename them
 * (Slack's `authed_user.access_token`). Each defaults to the RFC 6749 name; `expiresAt` (epoch
 * seconds, milliseconds or an ISO date) has no default and is read when no `expiresIn` is found.
 */
export interface TokenResponsePaths {
  accessToken?: string
  refreshToken?: string
  expiresIn?: string
  expiresAt?: string
  tokenType?: string
  scope?: string
  idToken?: string
  /**
   * Settings the token response supplies, as setting name → dot path: Salesforce's
   * `{"instanceUrl": "instance_url"}`. Read from the authorization code's token response and
   * stored in the connection's settings (checked against the settings schema like any other), so
   * `{{instanceUrl}}` fills the base URL and every request template. Each must be a declared
   * setting.
   */
  settings?: Record<string, string>
  /** The unit of `expires_in` when a provider does not answer seconds (RFC 6749's unit). */
  expiresInUnit?: ExpiresInUnit
}
export type TokenRequestEncoding = 'form' | 'json' | 'query'

/**
 * OpenID Connect on top of an OAuth 2 authorization-code scheme. Endpoints the connector leaves
 * out come from `{issuer}/.well-known/openid-configuration`; the ID token is verified against the
 * issuer's keys, `aud`, `exp` and the flow's `nonce` before anything is stored.
 */
export interface OidcSpec {
  /** The issuer, exactly as its ID tokens carry it in `iss`. */
  issuer: string
  /** What the profile pickers read: the ID token's claims (default) or the userinfo endpoint. */
  profile: 'claims' | 'userinfo'
}

export interface OAuth2Scheme extends SchemeCommon {
  type: 'oauth2'
  /**
   * `refresh_token` (Cozy): the user brings a long-lived refresh token, and every access token,
   * the first included, comes from the refresh grant.
   */
  grantType: 'authorization_code' | 'client_credentials' | 'refresh_token'
  authorizationUrl?: UrlProperty
  tokenUrl: UrlProperty
  /** Where refresh requests go, when not the token URL. */
  refreshUrl?: UrlProperty
  /**
   * Where tokens are revoked when a connection is deleted (RFC 7009); with `oidc`, the issuer's
   * `revocation_endpoint` when absent. Without either, deleting revokes nothing.
   */
  revocationUrl?: UrlProperty
  /** OpenID Connect: endpoints from the issuer's discovery, a verified ID token, its profile. */
  oidc?: OidcSpec
  scopes: string[]
  /**
   * Every scope the provider documents (when the list is short enough to keep), published by
   * `info` beside the default `scopes` so users can pick; never requested by itself.
   */
  availableScopes?: string[]
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
  /** Where the token response keeps its fields, when not at the RFC 6749 names. */
  tokenResponse?: TokenResponsePaths
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
  /** Where a lifetime in seconds (or `expiresInUnit`) is in the response. */
  expiresInPath?: string
  /** The unit of the lifetime at `expiresInPath`; seconds when absent. */
  expiresInUnit?: ExpiresInUnit
  /** Where an absolute expiry (epoch seconds or ISO date) is, when `expiresInPath` gives none. */
  expiresAtPath?: string
  /** Seconds before expiry at which to log in again; the runtime's default when absent. */
  refreshBeforeExpiry?: number
}

export interface BasicScheme extends SchemeCommon {
  type: 'basic'
  fields: Record<string, AuthField>
  login?: LoginSpec
}

export type AuthScheme = OAuth2Scheme | ApiKeyScheme | BasicScheme | OAuth1Scheme

/** How OAuth 1 requests are signed (RFC 5849 section 3.4; HMAC-SHA256 is a common extension). */
export type OAuth1SignatureMethod = 'HMAC-SHA1' | 'HMAC-SHA256' | 'RSA-SHA1' | 'PLAINTEXT'

/** A request to sign with the consumer credentials (and a token, when given). */
export interface OAuth1SignInput {
  method: string
  url: string
  body?: string | URLSearchParams
  contentType?: string
  token?: string
  tokenSecret?: string
  callback?: string
  verifier?: string
}

/**
 * What OAuth 1 flow overrides receive (Appmixer's `requestRequestToken`, `authUrl`,
 * `requestAccessToken`): the consumer, the callback URL and, as the flow advances, the request
 * token, its secret and the verifier.
 */
export interface OAuth1FlowContext {
  settings: JsonObject
  baseUrl: string
  consumerKey: string
  consumerSecret: string
  callbackUrl: string
  requestToken?: string
  requestTokenSecret?: string
  verifier?: string
  /** The `Authorization` header value for a request signed with the scheme's method. */
  sign: (request: OAuth1SignInput) => string
  /** The network, unauthenticated; relative URLs resolve against `baseUrl`. */
  fetch: (input: string | URL, init?: RequestInit) => Promise<Response>
}

/**
 * A token step done in code. It returns the token and its secret as `{token, tokenSecret}`,
 * Appmixer's `{requestToken, requestTokenSecret}` / `{accessToken, accessTokenSecret}`, or the
 * provider's `{oauth_token, oauth_token_secret}`; other string fields are kept.
 */
export type OAuth1TokenOverride = (ctx: OAuth1FlowContext) => JsonObject | Promise<JsonObject>

/** The authorization URL: a template (settings and `{{requestToken}}`) or a function. */
export type OAuth1AuthUrl = string | ((ctx: OAuth1FlowContext) => string | Promise<string>)

/** OAuth 1.0a (RFC 5849), normalized by `oauth1()`: the three endpoints and how to sign. */
export interface OAuth1Scheme extends SchemeCommon {
  type: 'oauth1'
  requestTokenUrl: UrlProperty
  /** Where the user authorizes the request token; `oauth_token` is added unless present. */
  authorizationUrl: OAuth1AuthUrl
  accessTokenUrl: UrlProperty
  signatureMethod: OAuth1SignatureMethod
  /** Method of the request-token and access-token requests. */
  tokenMethod: 'POST' | 'GET'
  /** `realm` of the Authorization header, for providers that want one. */
  realm?: string
  requestRequestToken?: OAuth1TokenOverride
  requestAccessToken?: OAuth1TokenOverride
}

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
  /** `fetchJson` with the answer's status and headers (a `Link` header, a rate limit). */
  fetchJsonResponse: <T = JsonValue>(
    input: string | URL,
    init?: RequestInit,
  ) => Promise<{ body: T; status: number; headers: Headers }>
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
  /**
   * False for capabilities that run before there are credentials (the OAuth module's
   * `get_authorization_url`, `handle_authorization_callback`…): called with no `auth`.
   */
  requiresAuth?: boolean
  /** A declared capability's URL template, so settings that fill it are checked on arrival. */
  declaredUrl?: string
  /** Answers a page at a time (`page: {token, size}` in and out); shown by `info` and `spec`. */
  paginated?: boolean
  run: (ctx: CapabilityContext<S>, request: Req) => Promise<Res | Paginated<Res>>
}

const PAGINATED = Symbol.for('patchbay.paginated')

/** A capability result with the cursor of the next page. */
export class Paginated<T> {
  /** Marks pages made by any copy of Patchbay (a connector file may import another copy than the CLI's). */
  readonly [PAGINATED] = true
  constructor(
    readonly response: T,
    readonly page: PageInfo | null,
  ) {}
}

/** True for a `Paginated` result, whichever copy of the package made it. */
export function isPaginated(value: unknown): value is Paginated<unknown> {
  return typeof value === 'object' && value !== null && (value as { [PAGINATED]?: unknown })[PAGINATED] === true
}

/** A kind of resource a connector lists (`list_resources`): a workspace, a repository, a group. */
export interface ResourceType {
  /** snake_case, as `resource_type` names it on the wire. */
  id: string
  label: string
  description?: string
}

/** A kind of grant on a resource type (`list_entitlements`, `assign_entitlement`): a role, a membership. */
export interface EntitlementType {
  id: string
  label: string
  /** The `ResourceType.id` it is granted on. */
  resourceType: string
  description?: string
  /** How many an account holds on one resource at least and at most (`max` absent: no limit). */
  min?: number
  max?: number
}

/** A connector: metadata, settings schema, auth scheme, base URL and capabilities. */
export interface Connector<S = any> {
  /** The resource and entitlement types its capabilities speak of, shown by `info`. */
  resourceTypes?: ResourceType[]
  entitlementTypes?: EntitlementType[]
  /** Capabilities Patchbay would add (`refresh_access_token`, `validate_credentials`…) left out. */
  disabledCapabilities?: string[]
  /** Map errors its capabilities throw to envelope errors (before the default HTTP handler). */
  errorHandlers?: ErrorHandler[]
  id: string
  name: string
  description?: string
  logoUrl?: string
  categories: string[]
  docsUrl?: string
  version?: string
  /** Templated from settings, e.g. `https://{{subdomain}}.freshdesk.com`. */
  baseUrl?: string
  /**
   * Lets `format: "uri"` settings (a self-hosted instance's URL) use `http:`: `loopback` on this
   * machine only, `any` everywhere (the client secret then crosses the network in clear text).
   * Without it such settings must be `https:`. Templates with a fixed `http://` are unaffected.
   */
  allowHttp?: HttpAllowance
  settings: z.ZodType<S>
  auth: AuthScheme
  capabilities: Record<string, Capability<any, any, S>>
  /** How the provider's webhooks to `POST /webhooks/:integration` are verified and read. */
  webhooks?: NormalizedWebhooks
  /** The Connect page's sign-in button, for providers with branding rules (Google). */
  connectButton?: ConnectButton
}
