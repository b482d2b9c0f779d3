import { PatchbayError } from '../../errors.js'
import { oauth2 as oauth2Engine } from '../../engines/index.js'
import type { JsonObject, OAuth2Scheme } from '../../kit/index.js'
import {
  clientFields,
  clientOf,
  clientVars,
  credentialsFromTokens,
  obtainTokens,
  tokenEndpointOf,
  tokensFromCredentials,
} from '../credentials/token-endpoint.js'
import type { IssuedCredentials, RenewEnv } from '../credentials/token-endpoint.js'
import { text, unwrap } from './auth-input.js'

/** Fetches a client-credentials token for a connection. */
export async function issueClientCredentials(
  env: RenewEnv,
  scheme: OAuth2Scheme,
): Promise<IssuedCredentials> {
  const client = clientOf(env.integration, env.credentials)
  const scopes = env.integration?.scopes ?? scheme.scopes
  const tokens = await obtainTokens(
    { ...env, urlPolicy: scheme.urlPolicy },
    'client_credentials',
    async () =>
      oauth2Engine.buildClientCredentialsRequest(await tokenEndpointOf(scheme, env.settings), client, {
        scopes,
        scopeDelimiter: scheme.scopeDelimiter,
      }),
    scheme.requestAccessToken,
    { ...clientVars(client), scope: scopes.join(scheme.scopeDelimiter) },
    scheme.tokenResponse,
  )
  return credentialsFromTokens(tokens, clientFields(env.credentials))
}

/**
 * A refresh-token grant, keeping the old refresh token when none comes back.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 * @throws PatchbayError `needs_reauth` without a refresh token or when the provider refuses it
 */
export async function refreshAccessToken(
  env: RenewEnv,
  scheme: OAuth2Scheme,
): Promise<IssuedCredentials> {
  const previous = tokensFromCredentials(env.credentials)
  if (!previous.refreshToken) {
    throw new PatchbayError('needs_reauth', 'The access token expired and there is no refresh token')
  }
  const client = clientOf(env.integration, env.credentials)
  const refreshToken = previous.refreshToken
  const next = await obtainTokens(
    { ...env, urlPolicy: scheme.urlPolicy },
    'refresh_token',
    async () =>
      oauth2Engine.buildRefreshRequest(await tokenEndpointOf(scheme, env.settings, 'refresh'), client, {
        refreshToken,
      }),
    scheme.refreshAccessToken,
    { ...clientVars(client), refreshToken },
    scheme.tokenResponse,
  )
  const merged = oauth2Engine.mergeRefreshedTokens(previous, next)
  return credentialsFromTokens(merged, clientFields(env.credentials))
}

/**
 * Reads OAuth 2 tokens given directly (importing an existing connection, or a CLI call with
 * `auth`). Accepts the provider's own names (`access_token`), ours (`accessToken`) and the
 * Lumos wrapper (`{"oauth": {...}}`).
 */
export function tokensFromInput(auth: JsonObject): IssuedCredentials | null {
  const source = unwrap(auth, 'oauth')
  const accessToken = text(source['access_token']) ?? text(source['accessToken'])
  if (!accessToken) return null
  const credentials: JsonObject = {
    accessToken,
    tokenType: text(source['token_type']) ?? text(source['tokenType']) ?? 'Bearer',
  }
  const refreshToken = text(source['refresh_token']) ?? text(source['refreshToken'])
  if (refreshToken) credentials['refreshToken'] = refreshToken
  const expiresAt = Number(source['expires_at'] ?? source['expiresAt'])
  if (Number.isFinite(expiresAt) && expiresAt > 0) credentials['expiresAt'] = expiresAt
  return { credentials, expiresAt: typeof credentials['expiresAt'] === 'number' ? expiresAt : null }
}
