import { isPatchbayError, PatchbayError } from '../../errors.js'
import type { JsonValue } from '../../errors.js'
import type { OAuth1TokenResponse } from '../../engines/oauth1/index.js'
import type { JsonObject, OAuth1Scheme } from '../../kit/index.js'
import { callProvider } from '../fetch/provider-call.js'
import type { ClientSource } from '../fetch/request-signer.js'
import type { IssuedCredentials, RenewEnv } from '../credentials/token-endpoint.js'
import { oauth1Signer } from './oauth1-signing.js'

function text(value: JsonValue | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

function pick(source: JsonObject, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = text(source[name])
    if (value !== undefined) return value
  }
  return undefined
}

const TOKEN_NAMES = ['token', 'oauth_token', 'accessToken', 'access_token']
const SECRET_NAMES = ['tokenSecret', 'token_secret', 'oauth_token_secret', 'accessTokenSecret']

/**
 * Reads OAuth 1 tokens given directly (importing a connection, or a CLI call with `auth`):
 * `token` and `token_secret` (or `oauth_token`, `oauth_token_secret`…), with `client_id` and
 * `client_secret` as the consumer when there is no integration to take it from.
 * @throws PatchbayError `bad_request` naming the missing fields
 */
export function oauth1CredentialsFromInput(auth: JsonObject): IssuedCredentials {
  const token = pick(auth, TOKEN_NAMES)
  const tokenSecret = pick(auth, SECRET_NAMES)
  const problems = [
    ...(token ? [] : ['auth.token: required']),
    ...(tokenSecret ? [] : ['auth.token_secret: required']),
  ]
  if (problems.length > 0) {
    throw new PatchbayError(
      'bad_request',
      `${problems.join('; ')} (OAuth 1 connections are made through the connect flow, or import tokens)`,
      { details: { problems } },
    )
  }
  const credentials: JsonObject = { token: token!, tokenSecret: tokenSecret! }
  const clientId = text(auth['client_id'])
  const clientSecret = text(auth['client_secret'])
  if (clientId) credentials['client_id'] = clientId
  if (clientSecret) credentials['client_secret'] = clientSecret
  return { credentials, expiresAt: null }
}

/**
 * A token step's result from a connector's own code, under any of the names it may use:
 * `{token, tokenSecret}`, Appmixer's `{requestToken, requestTokenSecret}` or
 * `{accessToken, accessTokenSecret}`, or the provider's `{oauth_token, oauth_token_secret}`.
 * @throws PatchbayError `invalid_response` when either is missing
 */
export function tokensFromOverride(
  value: JsonObject,
  step: 'request' | 'access',
): OAuth1TokenResponse {
  const prefix = step === 'request' ? 'requestToken' : 'accessToken'
  const token = pick(value, ['token', prefix, 'oauth_token'])
  const tokenSecret = pick(value, ['tokenSecret', `${prefix}Secret`, 'oauth_token_secret'])
  if (!token || !tokenSecret) {
    throw new PatchbayError(
      'invalid_response',
      `The connector's ${step}-token step returned no token or no token secret`,
    )
  }
  const extra: Record<string, string> = {}
  const known = new Set([
    'token',
    'tokenSecret',
    prefix,
    `${prefix}Secret`,
    'oauth_token',
    'oauth_token_secret',
  ])
  for (const [name, field] of Object.entries(value)) {
    if (!known.has(name) && typeof field === 'string') extra[name] = field
  }
  return { token, tokenSecret, callbackConfirmed: null, extra }
}

/** Stored credentials of an OAuth 1 connection: the token, its secret, and the extra fields. */
export function credentialsFromAccessToken(response: OAuth1TokenResponse): IssuedCredentials {
  return {
    credentials: { ...response.extra, token: response.token, tokenSecret: response.tokenSecret },
    // OAuth 1 tokens do not expire; they last until the user or the provider revokes them.
    expiresAt: null,
  }
}

/**
 * What "renewing" an OAuth 1 connection means, after a 401 or a refresh asked for: tokens cannot
 * be refreshed, so the provider is asked whether the token still works (`validate`, else the
 * profile). A refusal means it was revoked (Appmixer's InvalidTokenError); with nothing to ask,
 * the token is kept as it is.
 * @throws PatchbayError `needs_reauth` when the provider refuses the token
 */
export async function recheckOAuth1Token(
  env: RenewEnv,
  scheme: OAuth1Scheme,
  client: ClientSource,
): Promise<IssuedCredentials> {
  const check = scheme.validate ?? scheme.profile?.request
  const kept = { credentials: env.credentials, expiresAt: null }
  if (check === undefined) return kept
  try {
    await callProvider(check, { ...env, sign: oauth1Signer(scheme, client) })
  } catch (error) {
    if (isPatchbayError(error, 'unauthorized') || isPatchbayError(error, 'needs_reauth')) {
      throw new PatchbayError('needs_reauth', 'The provider no longer accepts the OAuth 1 token', {
        cause: error,
      })
    }
    throw error
  }
  return kept
}
