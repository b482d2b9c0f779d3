import { PatchbayError } from '../../errors.js'
import type { JsonValue, PatchbayErrorCode } from '../../errors.js'
import type { OAuth1SignatureMethod } from '../../kit/index.js'
import { signRequest } from './sign.js'

/** The client credentials and how requests are signed with them. */
export interface OAuth1Client {
  consumerKey: string
  /** The shared secret, or the PEM private key for RSA-SHA1. */
  consumerSecret: string
  signatureMethod: OAuth1SignatureMethod
  realm?: string
}

/** The random and clock values of one signature; the caller brings them. */
export interface SigningAt {
  nonce: string
  /** Epoch seconds. */
  timestamp: number
}

/** Which round trip a token response answers. */
export type TokenStep = 'request_token' | 'access_token'

/** Credentials from a token endpoint: temporary (request token) or token (access token). */
export interface OAuth1TokenResponse {
  token: string
  tokenSecret: string
  /** `oauth_callback_confirmed`, on the request-token step; null when the provider omits it. */
  callbackConfirmed: boolean | null
  /** Every other field of the answer (`user_id`, `screen_name`…), kept as strings. */
  extra: Record<string, string>
}

interface TokenRequestInput {
  url: string
  /** POST unless a provider wants GET. */
  method?: 'POST' | 'GET'
  client: OAuth1Client
  at: SigningAt
}

function signedRequest(
  input: TokenRequestInput,
  fields: { token?: string; tokenSecret?: string; callback?: string; verifier?: string },
): Request {
  const method = input.method ?? 'POST'
  const { authorization } = signRequest({
    method,
    url: input.url,
    consumerKey: input.client.consumerKey,
    consumerSecret: input.client.consumerSecret,
    signatureMethod: input.client.signatureMethod,
    nonce: input.at.nonce,
    timestamp: input.at.timestamp,
    ...(input.client.realm === undefined ? {} : { realm: input.client.realm }),
    ...fields,
  })
  return new Request(input.url, {
    method,
    headers: { authorization, accept: 'application/x-www-form-urlencoded, application/json' },
  })
}

/**
 * Builds the temporary-credentials (request token) request, signed with the client credentials
 * alone and carrying `oauth_callback`.
 * @see https://www.rfc-editor.org/rfc/rfc5849#section-2.1
 */
export function buildRequestTokenRequest(input: TokenRequestInput & { callback: string }): Request {
  return signedRequest(input, { callback: input.callback })
}

/**
 * Builds the token (access token) request: signed with the client credentials and the
 * temporary credentials, carrying the `oauth_verifier` the user brought back.
 * @see https://www.rfc-editor.org/rfc/rfc5849#section-2.3
 */
export function buildAccessTokenRequest(
  input: TokenRequestInput & { token: string; tokenSecret: string; verifier: string },
): Request {
  return signedRequest(input, {
    token: input.token,
    tokenSecret: input.tokenSecret,
    verifier: input.verifier,
  })
}

/**
 * The URL that sends the user to authorize the temporary credentials: the configured URL (its
 * own parameters kept) with `oauth_token`, unless the URL already names it.
 * @see https://www.rfc-editor.org/rfc/rfc5849#section-2.2
 */
export function buildAuthorizationUrl(authorizationUrl: string, token: string): URL {
  const url = new URL(authorizationUrl)
  if (!url.searchParams.has('oauth_token')) url.searchParams.set('oauth_token', token)
  return url
}

/** What the provider reports on the callback: the token and verifier, or a refusal. */
export type OAuth1CallbackResult =
  | { ok: true; token: string; verifier: string }
  | { ok: false; token: string | null; error: string; errorDescription: string | null }

/**
 * Reads the redirect back from the provider: `oauth_token` and `oauth_verifier`, or a refusal
 * (`denied=<token>` as Twitter sends it, or an OAuth 2-style `error`). Matching the token with a
 * stored session is the caller's job.
 * @see https://www.rfc-editor.org/rfc/rfc5849#section-2.2
 */
export function readAuthorizationCallback(params: URLSearchParams): OAuth1CallbackResult {
  const denied = params.get('denied')
  const token = params.get('oauth_token') || denied || null
  if (denied !== null) {
    return {
      ok: false,
      token,
      error: 'access_denied',
      errorDescription: 'The user denied the request',
    }
  }
  const error = params.get('error') ?? params.get('oauth_problem')
  if (error) {
    return { ok: false, token, error, errorDescription: params.get('error_description') }
  }
  const verifier = params.get('oauth_verifier')
  if (!token || !verifier) {
    return {
      ok: false,
      token,
      error: 'invalid_request',
      errorDescription: 'The callback carries no oauth_token or no oauth_verifier',
    }
  }
  return { ok: true, token, verifier }
}

function fieldsOf(text: string, contentType: string): Record<string, string> {
  const type = contentType.split(';')[0]!.trim().toLowerCase()
  if (type === 'application/json' || type.endsWith('+json')) {
    try {
      const parsed = JSON.parse(text) as unknown
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        const fields: Record<string, string> = {}
        for (const [name, value] of Object.entries(parsed)) {
          if (
            typeof value === 'string' ||
            typeof value === 'number' ||
            typeof value === 'boolean'
          ) {
            fields[name] = String(value)
          }
        }
        return fields
      }
    } catch {
      // Not JSON after all; providers often label form bodies wrongly, so try that below.
    }
  }
  return Object.fromEntries(new URLSearchParams(text))
}

function short(value: string | undefined): string | undefined {
  if (!value) return undefined
  return value.length > 200 ? `${value.slice(0, 200)}…` : value
}

function codeFor(step: TokenStep, status: number): PatchbayErrorCode {
  if (status >= 500) return 'provider_error'
  if (status === 429) return 'rate_limited'
  // A refused access-token request means the verifier or temporary token is bad: the OAuth 1
  // counterpart of an invalid authorization code.
  if (step === 'access_token') return 'auth_code_invalid'
  return status === 401 || status === 403 ? 'unauthorized' : 'bad_request'
}

/**
 * Reads a token endpoint's answer (form-encoded, or JSON from some providers): `oauth_token`
 * and `oauth_token_secret`, plus every other field. A refusal keeps the provider's
 * `oauth_problem` (the de facto Problem Reporting extension) and status, nothing else of the body.
 * @see https://www.rfc-editor.org/rfc/rfc5849#section-2.1
 * @see https://www.rfc-editor.org/rfc/rfc5849#section-2.3
 * @throws PatchbayError coded by the status; `invalid_response` when the tokens are missing or
 *   the callback was not confirmed
 */
export async function readTokenResponse(
  response: Response,
  step: TokenStep,
): Promise<OAuth1TokenResponse> {
  const text = await response.text()
  const fields = fieldsOf(text, response.headers.get('content-type') ?? '')
  const label = step === 'request_token' ? 'request token' : 'access token'
  if (!response.ok) {
    const problem = short(fields['oauth_problem'] ?? fields['error'])
    const advice = short(fields['oauth_problem_advice'] ?? fields['error_description'])
    const details: Record<string, JsonValue> = { status: response.status }
    if (problem) details['oauth_problem'] = problem
    if (advice) details['oauth_problem_advice'] = advice
    throw new PatchbayError(
      codeFor(step, response.status),
      `The provider refused the ${label} request (${response.status}${problem ? `: ${problem}` : ''})`,
      { details },
    )
  }
  const {
    oauth_token: token,
    oauth_token_secret: tokenSecret,
    oauth_callback_confirmed: confirmed,
    ...extra
  } = fields
  if (!token || tokenSecret === undefined) {
    throw new PatchbayError(
      'invalid_response',
      `The ${label} response has no oauth_token or no oauth_token_secret`,
      { details: { status: response.status } },
    )
  }
  if (step === 'request_token' && confirmed !== undefined && confirmed !== 'true') {
    throw new PatchbayError(
      'invalid_response',
      'The provider did not confirm oauth_callback (oauth_callback_confirmed is not "true")',
    )
  }
  return {
    token,
    tokenSecret,
    callbackConfirmed: confirmed === undefined ? null : confirmed === 'true',
    extra,
  }
}
