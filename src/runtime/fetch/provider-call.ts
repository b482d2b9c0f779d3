import type { JsonValue } from '../../errors.js'
import { readProviderBody } from '../../engines/index.js'
import { buildSpecRequest, getPath, resolveUrl } from '../../kit/index.js'
import type {
  AuthScheme,
  JsonObject,
  ProviderFailure,
  ProviderProperty,
  ValuePicker,
} from '../../kit/index.js'
import { createAuthedFetch } from './authed-fetch.js'
import type { FetchLike } from './fetch-like.js'
import { errorInBody } from './body-errors.js'
import { errorFromProviderResponse } from './provider-errors.js'
import type { RequestSigner } from './request-signer.js'
import { templateScopes } from './template-scopes.js'

export type { FetchLike } from './fetch-like.js'

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
  /** Signs each request, for schemes that sign (OAuth 1); unused by other schemes. */
  sign?: RequestSigner
}

export interface ProviderCallOptions {
  /** Off for requests that carry credentials themselves (a login request). */
  applyCredentials?: boolean
  /** Puts a refusal in plain words (the connector's `validateError`). */
  describeFailure?: (failure: ProviderFailure) => string | undefined
}

/**
 * Runs a provider-facing property: a URL string or request object is sent (with credentials
 * applied) and must answer 2xx without errors in its body (when the request object says where
 * they are), its body returned; a function is called with a context.
 * @throws PatchbayError coded by the provider's status, worded by `describeFailure` when given
 */
export async function callProvider(
  property: ProviderProperty<unknown>,
  env: ProviderEnv,
  options: ProviderCallOptions = {},
): Promise<JsonValue> {
  const authedFetch =
    env.authedFetch ??
    createAuthedFetch({
      ...env,
      credentials: async () => env.credentials,
      canRenew: false,
      ...(env.sign ? { sign: env.sign } : {}),
    })
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
  const reported =
    typeof property === 'object' && property.errors
      ? errorInBody(property.errors, request, response.status, parsed)
      : undefined
  if (reported) throw reported
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
