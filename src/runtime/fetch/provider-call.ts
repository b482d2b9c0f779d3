import type { JsonValue } from '../../errors.js'
import { applyPlacement, credentialVariables, readProviderBody } from '../../engines/index.js'
import { buildSpecRequest, getPath, resolveUrl } from '../../kit/index.js'
import type {
  AuthScheme,
  JsonObject,
  ProviderFailure,
  ProviderProperty,
  TemplateScopes,
  ValuePicker,
} from '../../kit/index.js'
import { signFor } from './oauth1-signing.js'
import type { ClientSource } from './oauth1-signing.js'
import { errorFromProviderResponse } from './provider-errors.js'

export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>

/** Everything a provider-facing property needs to run for one set of credentials. */
export interface ProviderEnv {
  scheme: AuthScheme
  settings: JsonObject
  credentials: JsonObject
  baseUrl: string
  /** Extra template variables: clientId, redirectUri, connectionId… */
  context?: JsonObject
  /** The network, unauthenticated. */
  fetch: FetchLike
  /** A fetch that applies `credentials` (and may refresh on a 401). */
  authedFetch?: (input: string | URL, init?: RequestInit) => Promise<Response>
  /** The consumer that signs OAuth 1 requests; unused by other schemes. */
  client?: ClientSource
}

/** Template scopes: credential variables first, then settings, then prefixed names. */
export function templateScopes(env: Omit<ProviderEnv, 'fetch'>): TemplateScopes {
  const vars = credentialVariables(env.scheme, env.credentials)
  return [
    vars,
    env.settings,
    env.context ?? {},
    { settings: env.settings, credentials: vars, auth: vars, ...(env.context ?? {}) },
  ]
}

/** A fetch that applies the env's credentials as the scheme places them, with no retry. */
export function plainAuthedFetch(env: ProviderEnv) {
  return async (input: string | URL, init: RequestInit = {}): Promise<Response> => {
    const url = resolveUrl(String(input), env.baseUrl)
    const target = applyPlacement(
      { url, headers: new Headers(init.headers) },
      env.scheme.apply,
      templateScopes(env),
    )
    const headers = await signFor(env.scheme, env.credentials, env.client, {
      method: init.method ?? 'GET',
      url: target.url,
      headers: target.headers,
      body: init.body,
    })
    return env.fetch(target.url, { ...init, headers })
  }
}

export interface ProviderCallOptions {
  /** Off for requests that carry credentials themselves (a login request). */
  applyCredentials?: boolean
  /** Puts a refusal in plain words (the connector's `validateError`). */
  describeFailure?: (failure: ProviderFailure) => string | undefined
}

/**
 * Runs a provider-facing property: a URL string or request object is sent (with credentials
 * applied) and must answer 2xx, its body returned; a function is called with a context.
 * @throws PatchbayError coded by the provider's status, worded by `describeFailure` when given
 */
export async function callProvider(
  property: ProviderProperty<unknown>,
  env: ProviderEnv,
  options: ProviderCallOptions = {},
): Promise<JsonValue> {
  const authedFetch = env.authedFetch ?? plainAuthedFetch(env)
  if (typeof property === 'function') {
    // A login function carries the credentials itself: it has no token to apply yet.
    const plainFetch = (input: string | URL, init?: RequestInit) =>
      env.fetch(resolveUrl(String(input), env.baseUrl), init)
    const result = await property({
      settings: env.settings,
      credentials: env.credentials,
      baseUrl: env.baseUrl,
      fetch: options.applyCredentials === false ? plainFetch : authedFetch,
    })
    return (result ?? null) as JsonValue
  }
  const request = buildSpecRequest(property, templateScopes(env), env.baseUrl, env.scheme.urlPolicy)
  const body = request.body === null ? undefined : await request.text()
  const send = options.applyCredentials === false ? env.fetch : authedFetch
  const response = await send(request.url, {
    method: request.method,
    headers: request.headers,
    ...(body === undefined ? {} : { body }),
  })
  const parsed = await readProviderBody(response)
  if (!response.ok) {
    const failure: ProviderFailure = { status: response.status, body: parsed }
    throw errorFromProviderResponse(
      request.method,
      request.url,
      response.status,
      parsed,
      options.describeFailure?.(failure),
    )
  }
  return parsed
}

/** Applies a value picker (dot path or function) to a profile; null when nothing usable is there. */
export function pickValue(picker: ValuePicker | undefined, profile: JsonValue): string | null {
  if (picker === undefined) return null
  const value = typeof picker === 'function' ? picker(profile) : getPath(profile, picker)
  if (typeof value === 'string' && value !== '') return value
  if (typeof value === 'number') return String(value)
  return null
}
