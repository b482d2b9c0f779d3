import { PatchbayError } from '../errors.js'
import type { JsonValue } from '../errors.js'
import { apiKey, basic, oauth2 } from './auth-schemes.js'
import type { AuthFieldInput } from './auth-schemes.js'
import { DURATION_UNITS } from './duration.js'
import type { DurationUnit } from './duration.js'
import { oauth1 } from './oauth1-scheme.js'
import type {
  AuthField,
  AuthScheme,
  JsonObject,
  LoginSpec,
  OAuth1AuthUrl,
  OAuth1FlowContext,
  OAuth1TokenOverride,
  ProfileSpec,
  ProviderContext,
  ProviderFailure,
  ProviderProperty,
  RequestSpec,
  TokenRequestOverride,
  UrlContext,
  UrlProperty,
  ValuePicker,
} from './types.js'

/**
 * What Appmixer hands a `definition` function: the OAuth client (`clientId`, `clientSecret`, or
 * OAuth 1's `consumerKey`, `consumerSecret`) and the `callbackUrl`. Patchbay keeps the client in
 * the integration, so these are given once, by the caller of {@link fromAppmixer}.
 */
export interface AppmixerModuleContext {
  clientId?: string
  clientSecret?: string
  consumerKey?: string
  consumerSecret?: string
  callbackUrl?: string
}

/**
 * What an Appmixer function property receives: Patchbay's provider context (`fetch`, `settings`,
 * `credentials`, `baseUrl`) plus Appmixer's flat names — every auth field (`context.apiKey`),
 * `accessToken`, `accessTokenSecret`, `refreshToken`, `authorizationCode`, `callbackUrl`,
 * `clientId`, `requestToken`, `oauthVerifier` where they exist, `profileInfo` for the pickers,
 * and `InvalidTokenError`. Appmixer's `httpRequest` (axios) is not offered: use `fetch`.
 */
export type AppmixerContext = Record<string, unknown> & {
  InvalidTokenError: typeof InvalidTokenError
}

/** An Appmixer function property; it may return a value or a promise of one. */
export type AppmixerFunction = (context: AppmixerContext) => unknown

/**
 * An Appmixer request object (the `request`/axios options it documents): `url` or `uri`,
 * `method`, `headers`, `qs` or `params`, `body`, `data`, `json` or `form`, and `auth.bearer`.
 */
export interface AppmixerRequest {
  url?: string
  uri?: string
  method?: string
  headers?: Record<string, string>
  qs?: Record<string, string>
  params?: Record<string, string>
  body?: JsonValue
  data?: JsonValue
  json?: JsonValue
  form?: Record<string, string>
  auth?: { bearer?: string }
}

/** A property Appmixer lets be a function, a request object or a URL string. */
export type AppmixerProperty = string | AppmixerRequest | AppmixerFunction

/** One field of an Appmixer `auth` form. */
export interface AppmixerAuthField {
  type?: string
  name?: string
  tooltip?: string
}

/** The `definition` of an Appmixer auth module; every property is optional here. */
export interface AppmixerDefinition {
  auth?: Record<string, AppmixerAuthField>
  requestProfileInfo?: AppmixerProperty
  accountNameFromProfileInfo?: string | AppmixerFunction
  emailFromProfileInfo?: string | AppmixerFunction
  validate?: AppmixerProperty
  validateErrCallback?: (err: unknown) => unknown
  requestRequestToken?: AppmixerProperty
  authUrl?: string | AppmixerFunction
  requestAccessToken?: AppmixerProperty
  refreshAccessToken?: AppmixerProperty
  validateAccessToken?: AppmixerProperty
  scope?: string | string[]
  scopeDelimiter?: string
  refreshBeforeExp?: number
  refreshBeforeExpUnits?: DurationUnit
  connectAccountButton?: { image?: string }
  [other: string]: unknown
}

/** An Appmixer `auth.js` module as it exports itself. */
export interface AppmixerModule {
  type: 'apiKey' | 'pwd' | 'oauth' | 'oauth2'
  definition: AppmixerDefinition | ((context: AppmixerModuleContext) => AppmixerDefinition)
}

/** Where Patchbay puts credentials on capability and proxy requests; else the scheme's default. */
export interface FromAppmixerOptions {
  headers?: Record<string, string>
  query?: Record<string, string>
}

/**
 * Appmixer's `InvalidTokenError`: thrown from `validateAccessToken`, it marks the connection
 * `needs_reauth`. It is a `PatchbayError` with that code, so throwing either works.
 */
export class InvalidTokenError extends PatchbayError {
  constructor(message = 'The access token is no longer valid') {
    // The name stays 'PatchbayError': isPatchbayError() tells errors apart by it across copies.
    super('needs_reauth', message)
  }
}

// Appmixer's template names that Patchbay spells differently, per place they can appear.
const TOKEN_REQUEST_NAMES = { authorizationCode: 'code', callbackUrl: 'redirectUri' }
const OAUTH1_NAMES = { accessToken: 'token', accessTokenSecret: 'tokenSecret' }

/**
 * Ports an Appmixer auth module (`auth.js`) to a Patchbay auth scheme, property by property, so
 * the module's code and request objects run unchanged. See docs/auth-modules.md for the table.
 * @param module `{ type, definition }`; a `definition` function is called with `context`
 * @param context the OAuth client and callback URL a `definition` function may read
 * @throws TypeError for a property Patchbay cannot take in that form
 * @example
 * auth: fromAppmixer(asana, { clientId: process.env.ASANA_CLIENT_ID })
 */
export function fromAppmixer(
  module: AppmixerModule,
  context: AppmixerModuleContext = {},
  options: FromAppmixerOptions = {},
): AuthScheme {
  const definition =
    typeof module.definition === 'function' ? module.definition({ ...context }) : module.definition
  if (!definition || typeof definition !== 'object') {
    throw new TypeError('fromAppmixer: definition must be an object or return one')
  }
  const scheme = schemeOf(module.type, definition, context, options)
  const button = definition.connectAccountButton
  if (button?.image === undefined) return scheme
  return { ...scheme, connectButton: { image: button.image } }
}

function schemeOf(
  type: AppmixerModule['type'],
  d: AppmixerDefinition,
  context: AppmixerModuleContext,
  placement: FromAppmixerOptions,
): AuthScheme {
  const names = type === 'oauth' ? OAUTH1_NAMES : {}
  const profile = profileOf(d, context, names)
  const isOAuth = type === 'oauth' || type === 'oauth2'
  const validateProperty = isOAuth ? (d.validateAccessToken ?? d.validate) : d.validate
  const common = {
    ...placement,
    ...(validateProperty === undefined
      ? {}
      : { validate: providerProperty(validateProperty, context, names) }),
    ...(d.validateErrCallback === undefined
      ? {}
      : { validateError: validateErrorOf(d.validateErrCallback) }),
  }
  if (type === 'apiKey') {
    return apiKey({ ...common, ...fieldsOf(d), ...(profile ? { profile } : {}) })
  }
  if (type === 'pwd') {
    const login = loginOf(d.requestAccessToken, context)
    return basic({
      ...common,
      ...fieldsOf(d),
      ...(profile ? { profile } : {}),
      ...(login ? { login } : {}),
    })
  }
  if (type === 'oauth') return oauth1Of(d, context, common, profile)
  if (type === 'oauth2') return oauth2Of(d, context, common, profile)
  throw new TypeError(`fromAppmixer: unknown module type "${String(type)}"`)
}

function fieldsOf(d: AppmixerDefinition): { fields?: Record<string, AuthFieldInput> } {
  if (!d.auth) return {}
  const fields: Record<string, AuthFieldInput> = {}
  for (const [key, field] of Object.entries(d.auth)) {
    const type = (['text', 'password', 'textarea'] as const).find((t) => t === field.type)
    fields[key] = {
      label: field.name?.trim() || key,
      ...(type ? { type } : {}),
      ...(field.tooltip === undefined ? {} : { tooltip: field.tooltip }),
    } satisfies Partial<AuthField>
  }
  return { fields }
}

function profileOf(
  d: AppmixerDefinition,
  context: AppmixerModuleContext,
  names: Record<string, string>,
): ProfileSpec | undefined {
  if (d.accountNameFromProfileInfo === undefined && d.emailFromProfileInfo === undefined) {
    return undefined
  }
  // Appmixer reads the account name from the auth fields when there is no profile request.
  const request: ProviderProperty<JsonValue> =
    d.requestProfileInfo === undefined
      ? (ctx: ProviderContext) => ctx.credentials
      : (providerProperty(d.requestProfileInfo, context, names) as ProviderProperty<JsonValue>)
  return {
    request,
    ...(d.accountNameFromProfileInfo === undefined
      ? {}
      : { accountName: pickerOf(d.accountNameFromProfileInfo) }),
    ...(d.emailFromProfileInfo === undefined ? {} : { email: pickerOf(d.emailFromProfileInfo) }),
  }
}

function pickerOf(picker: string | AppmixerFunction): ValuePicker {
  if (typeof picker === 'string') return picker
  return (profile) => {
    const value = picker({ profileInfo: profile, InvalidTokenError })
    return typeof value === 'number' ? String(value) : (value as string | null | undefined)
  }
}

/**
 * Appmixer's `validateErrCallback(err)` throws an Error whose message is for the user (or
 * returns it); rethrowing `err` itself means "no better words". `err` is the provider's JSON
 * body with `status`, and `response: { status, data }` as axios would put it.
 */
function validateErrorOf(callback: (err: unknown) => unknown) {
  return (failure: ProviderFailure): string | undefined => {
    const body = failure.body
    const err = {
      ...(body !== null && typeof body === 'object' && !Array.isArray(body) ? body : {}),
      status: failure.status,
      body,
      response: { status: failure.status, data: body },
    }
    try {
      const said = callback(err)
      return typeof said === 'string' && said !== '' ? said : undefined
    } catch (thrown) {
      if (thrown === err || !(thrown instanceof Error) || thrown.message === '') return undefined
      return thrown.message
    }
  }
}

/** Builds the flat Appmixer context out of Patchbay's, with the aliases Appmixer code expects. */
function appmixerContext(
  base: Record<string, unknown>,
  values: Record<string, unknown>,
  context: AppmixerModuleContext,
): AppmixerContext {
  const alias: Record<string, unknown> = {}
  const take = (name: string, from: unknown) => {
    if (from !== undefined && values[name] === undefined) alias[name] = from
  }
  take('authorizationCode', values['code'])
  take('callbackUrl', values['redirectUri'] ?? context.callbackUrl)
  take('accessToken', values['token'])
  take('accessTokenSecret', values['tokenSecret'])
  take('oauthVerifier', values['verifier'])
  return { ...context, ...values, ...alias, ...base, InvalidTokenError }
}

function providerContextOf(ctx: ProviderContext, context: AppmixerModuleContext): AppmixerContext {
  return appmixerContext(
    {
      settings: ctx.settings,
      credentials: ctx.credentials,
      baseUrl: ctx.baseUrl,
      fetch: ctx.fetch,
    },
    { ...ctx.settings, ...ctx.credentials },
    context,
  )
}

/** A function, request object or URL string, as Patchbay's provider property. */
function providerProperty(
  property: AppmixerProperty,
  context: AppmixerModuleContext,
  names: Record<string, string>,
): ProviderProperty<unknown> {
  if (typeof property === 'string') return renameVariables(property, names)
  if (typeof property === 'function') {
    return async (ctx) => property(providerContextOf(ctx, context))
  }
  return requestOf(property, names)
}

/**
 * Translates an Appmixer request object into a Patchbay request spec.
 * @throws TypeError for `auth.user`/`auth.pass` (write an `Authorization` header instead)
 */
export function requestOf(
  request: AppmixerRequest,
  names: Record<string, string> = {},
): RequestSpec {
  const url = request.url ?? request.uri
  if (typeof url !== 'string') {
    throw new TypeError('fromAppmixer: a request object needs url or uri')
  }
  const auth = request.auth as Record<string, unknown> | undefined
  if (auth && Object.keys(auth).some((key) => key !== 'bearer')) {
    throw new TypeError('fromAppmixer: only auth.bearer is taken; put other auth in headers')
  }
  const headers: Record<string, string> = { ...request.headers }
  if (typeof auth?.['bearer'] === 'string') headers['Authorization'] = `Bearer ${auth['bearer']}`
  const query = request.qs ?? request.params
  const json = typeof request.json === 'object' ? request.json : undefined
  const body = request.form ?? request.body ?? request.data ?? json
  const spec: RequestSpec = {
    url,
    ...(request.method === undefined ? {} : { method: request.method.toUpperCase() }),
    ...(Object.keys(headers).length === 0 ? {} : { headers }),
    ...(query === undefined ? {} : { query: { ...query } }),
    ...(body === undefined ? {} : { body: body as JsonValue }),
    ...(request.form === undefined ? {} : { bodyType: 'form' as const }),
  }
  return renameVariables(spec as unknown as JsonValue, names) as unknown as RequestSpec
}

/** Rewrites `{{appmixerName}}` to `{{patchbayName}}` in every string of a value. */
function renameVariables<T extends JsonValue>(value: T, names: Record<string, string>): T {
  if (typeof value === 'string') {
    return value.replace(/\{\{\s*([A-Za-z0-9_$-]+)\s*\}\}/g, (whole, name: string) =>
      Object.hasOwn(names, name) ? `{{${names[name]}}}` : whole,
    ) as T
  }
  if (Array.isArray(value)) return value.map((item) => renameVariables(item, names)) as T
  if (value !== null && typeof value === 'object') {
    const out: JsonObject = {}
    for (const [key, item] of Object.entries(value)) out[key] = renameVariables(item, names)
    return out as T
  }
  return value
}

/**
 * pwd's `requestAccessToken`, resolving to `{ token, expires }`: a login whose token is renewed
 * (with the stored username and password) before it expires. `expires` is a lifetime in seconds
 * or a date, as Appmixer reads it.
 */
function loginOf(
  property: AppmixerProperty | undefined,
  context: AppmixerModuleContext,
): LoginSpec | undefined {
  if (property === undefined) return undefined
  const request: ProviderProperty<JsonValue> =
    typeof property === 'function'
      ? async (ctx) => {
          const appmixer = providerContextOf(ctx, context)
          const result = (await property(appmixer)) as Record<string, unknown>
          const expires = result?.['expires']
          return {
            ...(result as JsonObject),
            ...(expires instanceof Date ? { expires: expires.toISOString() } : {}),
          }
        }
      : (providerProperty(property, context, {}) as ProviderProperty<JsonValue>)
  return { request, tokenPath: 'token', expiresInPath: 'expires', expiresAtPath: 'expires' }
}

/** Stands in for an endpoint a module never calls because code does that step. */
function inCode(what: string): UrlProperty {
  return () => {
    throw new TypeError(`fromAppmixer: ${what} is done in code; it has no URL`)
  }
}

function oauth1Of(
  d: AppmixerDefinition,
  context: AppmixerModuleContext,
  common: Record<string, unknown>,
  profile: ProfileSpec | undefined,
): AuthScheme {
  if (d.authUrl === undefined) throw new TypeError('fromAppmixer: an oauth module needs authUrl')
  const step = (name: string, property: AppmixerProperty | undefined) => {
    if (property === undefined) throw new TypeError(`fromAppmixer: an oauth module needs ${name}`)
    if (typeof property === 'string') return { url: property }
    if (typeof property === 'function') return { override: flowFunction(property, context) }
    throw new TypeError(`fromAppmixer: ${name} must be a function or a URL string for OAuth 1`)
  }
  const request = step('requestRequestToken', d.requestRequestToken)
  const access = step('requestAccessToken', d.requestAccessToken)
  const authUrl: OAuth1AuthUrl =
    typeof d.authUrl === 'function'
      ? (flowFunction(d.authUrl, context) as unknown as OAuth1AuthUrl)
      : d.authUrl
  return oauth1({
    ...common,
    requestTokenUrl: request.url ?? inCode('requestRequestToken'),
    accessTokenUrl: access.url ?? inCode('requestAccessToken'),
    authUrl,
    ...(request.override ? { requestRequestToken: request.override } : {}),
    ...(access.override ? { requestAccessToken: access.override } : {}),
    ...(profile ? { profile } : {}),
  })
}

function flowFunction(fn: AppmixerFunction, context: AppmixerModuleContext): OAuth1TokenOverride {
  return async (ctx: OAuth1FlowContext) => {
    const { settings, ...flow } = ctx
    const appmixer = appmixerContext({ ...flow, settings }, { ...settings, ...flow }, context)
    const result = await fn(appmixer)
    return result as JsonObject
  }
}

function oauth2Of(
  d: AppmixerDefinition,
  context: AppmixerModuleContext,
  common: Record<string, unknown>,
  profile: ProfileSpec | undefined,
): AuthScheme {
  if (d.authUrl === undefined) throw new TypeError('fromAppmixer: an oauth2 module needs authUrl')
  const authUrl = d.authUrl
  const authorizationUrl: UrlProperty =
    typeof authUrl === 'function'
      ? async (u: UrlContext) =>
          String(await authUrl(appmixerContext({ settings: u.settings }, u.settings, context)))
      : authUrl
  const access = d.requestAccessToken
  const refresh = d.refreshAccessToken
  if (access === undefined) {
    throw new TypeError('fromAppmixer: an oauth2 module needs requestAccessToken')
  }
  const tokenUrl =
    typeof access === 'string'
      ? access
      : typeof refresh === 'string'
        ? refresh
        : typeof access === 'object'
          ? requestOf(access).url
          : inCode('requestAccessToken')
  const scopes =
    d.scope === undefined
      ? []
      : Array.isArray(d.scope)
        ? [...d.scope]
        : splitScope(d.scope, d.scopeDelimiter)
  const unit = d.refreshBeforeExpUnits ?? 'minutes'
  if (!DURATION_UNITS.includes(unit)) {
    const units = DURATION_UNITS.join(', ')
    throw new TypeError(`fromAppmixer: refreshBeforeExpUnits must be one of ${units}`)
  }
  return oauth2({
    ...common,
    authorizationUrl,
    tokenUrl,
    ...(typeof refresh === 'string' && refresh !== tokenUrl ? { refreshUrl: refresh } : {}),
    scopes,
    // Appmixer joins scopes with a comma unless told otherwise.
    scopeDelimiter: d.scopeDelimiter ?? ',',
    // Code that exchanges the code itself never sends a PKCE verifier.
    pkce: typeof access === 'string',
    ...(typeof access === 'string' ? {} : { requestAccessToken: tokenOverride(access, context) }),
    ...(refresh === undefined || typeof refresh === 'string'
      ? {}
      : { refreshAccessToken: tokenOverride(refresh, context) }),
    ...(d.refreshBeforeExp === undefined
      ? {}
      : { refreshBeforeExpiry: { value: d.refreshBeforeExp, unit } }),
    ...(profile ? { profile } : {}),
    // Appmixer's functions may answer with `accessTokenExpDate`, read back as `expires_at`.
    tokenResponse: { expiresAt: 'expires_at' },
  })
}

function splitScope(scope: string, delimiter = ','): string[] {
  return scope.split(delimiter).map((s) => s.trim()).filter((s) => s !== '')
}

/**
 * A token request in code or as an object. A function's `{ accessToken, refreshToken,
 * accessTokenExpDate }` (or RFC 6749 names) becomes the token response Patchbay reads.
 */
function tokenOverride(
  property: AppmixerRequest | AppmixerFunction,
  context: AppmixerModuleContext,
): TokenRequestOverride {
  if (typeof property !== 'function') return requestOf(property, TOKEN_REQUEST_NAMES)
  return async (ctx) => tokenJson(await property(providerContextOf(ctx, context)))
}

function tokenJson(value: unknown): JsonValue {
  if (value === null || typeof value !== 'object') return value as JsonValue
  const record = value as Record<string, unknown>
  const { accessToken, refreshToken, accessTokenExpDate, ...rest } = record
  const out: JsonObject = { ...(rest as JsonObject) }
  if (out['access_token'] === undefined && typeof accessToken === 'string') {
    out['access_token'] = accessToken
  }
  if (out['refresh_token'] === undefined && typeof refreshToken === 'string') {
    out['refresh_token'] = refreshToken
  }
  const expDate = accessTokenExpDate
  if (expDate !== undefined && expDate !== null && out['expires_in'] === undefined) {
    const at = expDate instanceof Date ? expDate.getTime() : expDate
    out['expires_at'] = at as JsonValue
  }
  return out
}
