import { PatchbayError } from '../../errors.js'
import type { JsonValue } from '../../errors.js'
import type { JsonObject, TokenResponsePaths } from '../../kit/index.js'
import { readProviderBody } from '../shared/provider-body.js'
import { readTokenFields } from './token-fields.js'
import type { TokenSet } from './token-set.js'

export type { TokenSet } from './token-set.js'


export type TokenGrant = 'authorization_code' | 'refresh_token' | 'client_credentials'

function errorCodeFor(grant: TokenGrant, oauthError: string): PatchbayError['code'] {
  if (oauthError === 'invalid_grant') {
    return grant === 'authorization_code' ? 'auth_code_invalid' : 'needs_reauth'
  }
  if (oauthError === 'invalid_client' || oauthError === 'unauthorized_client') {
    return 'invalid_config'
  }
  if (oauthError === 'slow_down' || oauthError === 'temporarily_unavailable') return 'rate_limited'
  if (oauthError === 'http_429') return 'rate_limited'
  return 'provider_error'
}

function text(value: JsonValue | undefined): string | undefined {
  if (typeof value === 'string' && value !== '') return value
  if (typeof value === 'number') return String(value)
  return undefined
}

/**
 * Checks a token endpoint response and returns the tokens. Accepts JSON and form-encoded bodies
 * (GitHub answers form unless asked), treats a 200 carrying `error` as the failure it is, and
 * turns `expires_in` into an absolute expiry at `now`. `paths` names where a provider that nests
 * or renames the fields keeps them (see {@link readTokenFields}).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 * @throws PatchbayError: `auth_code_invalid` or `needs_reauth` on `invalid_grant` (by grant),
 *   `invalid_config` on `invalid_client`, `provider_error` otherwise, `invalid_response` when no
 *   access token comes back. The provider's `error` and `error_description` go in `details`.
 */
export async function readTokenResponse(
  response: Response,
  at: { now: number; grant: TokenGrant },
  paths: TokenResponsePaths = {},
): Promise<TokenSet> {
  const body = await readProviderBody(response)
  const fields: JsonObject = body !== null && typeof body === 'object' && !Array.isArray(body) ? body : {}
  const oauthError = text(fields['error'])
  if (!response.ok || oauthError) {
    const error = oauthError ?? `http_${response.status}`
    const description = text(fields['error_description'])
    throw new PatchbayError(
      errorCodeFor(at.grant, error),
      `Token request failed: ${error}${description ? ` (${description})` : ''}`,
      {
        details: {
          error,
          ...(description ? { error_description: description } : {}),
          status: response.status,
        },
      },
    )
  }
  return readTokenFields(fields, paths, at.now)
}

/**
 * The tokens after a refresh: a new refresh token replaces the old (rotation); an absent one
 * keeps the old, as RFC 6749 allows the server to leave it unchanged.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 */
export function mergeRefreshedTokens(previous: TokenSet, next: TokenSet): TokenSet {
  const merged: TokenSet = { ...next }
  if (!merged.refreshToken && previous.refreshToken) merged.refreshToken = previous.refreshToken
  if (!merged.scope && previous.scope) merged.scope = previous.scope
  // A refresh need not return an ID token (OpenID Connect Core 12.2); the verified one stays.
  if (!merged.idToken && previous.idToken) merged.idToken = previous.idToken
  return merged
}
