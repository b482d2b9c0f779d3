import { PatchbayError, isPatchbayError } from '../../errors.js'
import type { JsonValue } from '../../errors.js'
import { isJsonObject } from '../../kit/index.js'
import type { JsonObject, OAuth2Scheme } from '../../kit/index.js'
import type { IssuedCredentials, RenewEnv } from '../credentials/token-endpoint.js'
import { refreshAccessToken } from './oauth2-tokens.js'

function text(value: JsonValue | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

/**
 * The first credentials of a connection whose scheme has `grantType: 'refresh_token'` (Cozy's
 * grant mode): the refresh token the user brings (`auth.refresh_token`, with an optional
 * `client_id` and `client_secret` of their own) buys the first access token before anything is
 * stored; later ones come from the same refresh grant, like any OAuth 2 refresh.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 * @throws PatchbayError `bad_request` without a refresh token, `unauthorized` when the provider
 *   refuses it (its `error` and `error_description` in `details`)
 */
export async function issueFromRefreshToken(
  env: Omit<RenewEnv, 'scheme' | 'credentials'>,
  scheme: OAuth2Scheme,
  auth: JsonObject,
): Promise<IssuedCredentials> {
  const source = isJsonObject(auth['oauth']) ? auth['oauth'] : auth
  const refreshToken = text(source['refresh_token']) ?? text(source['refreshToken'])
  if (!refreshToken) {
    throw new PatchbayError(
      'bad_request',
      'auth.refresh_token: required (this connector trades a refresh token for access tokens)',
      { details: { problems: ['auth.refresh_token: required'] } },
    )
  }
  const credentials: JsonObject = { refreshToken }
  const clientId = text(source['client_id'])
  const clientSecret = text(source['client_secret'])
  if (clientId) credentials['client_id'] = clientId
  if (clientSecret) credentials['client_secret'] = clientSecret
  try {
    return await refreshAccessToken({ ...env, scheme, credentials }, scheme)
  } catch (error) {
    // There is no connection yet to re-authorize: the token the caller brought is simply refused.
    if (!isPatchbayError(error, 'needs_reauth')) throw error
    throw new PatchbayError(
      'unauthorized',
      `The provider refused the refresh token: ${error.message}`,
      {
        cause: error,
        ...(error.details ? { details: error.details } : {}),
      },
    )
  }
}
