import { oauth2Facts } from '../../kit/index.js'
import type { JsonObject, OAuth2Scheme } from '../../kit/index.js'
import { PatchbayError } from '../../errors.js'
import {
  beginOAuth2Authorization,
  completeOAuth2Authorization,
} from '../authorization/authorization.js'
import { oauthModuleCapabilities } from '../capabilities/oauth-module.js'
import { text } from './auth-input.js'
import { revokeOAuth2Tokens } from './oauth2-revocation.js'
import { issueClientCredentials, refreshAccessToken, tokensFromInput } from './oauth2-tokens.js'
import type { SchemeRecord } from './record.js'
import { issueFromRefreshToken } from './refresh-grant.js'

/** OAuth 2: authorization code (a redirect flow), client credentials, or a brought refresh token. */
export const oauth2Record: SchemeRecord<OAuth2Scheme> = {
  ...oauth2Facts,
  canRenew: (scheme, credentials) =>
    scheme.grantType === 'client_credentials' || typeof credentials['refreshToken'] === 'string',
  margin: (scheme) => scheme.refreshBeforeExpiry,
  renew: (env, scheme) =>
    scheme.grantType === 'client_credentials'
      ? issueClientCredentials(env, scheme)
      : refreshAccessToken(env, scheme),
  fromImport(_scheme, auth) {
    const imported = tokensFromInput(auth)
    if (imported) return imported
    throw new PatchbayError('bad_request', 'auth.access_token: required (an import carries tokens)', {
      details: { problems: ['auth.access_token: required'] },
    })
  },
  async fromInput(env, scheme, auth) {
    const imported = tokensFromInput(auth)
    if (imported) return imported
    if (scheme.grantType === 'refresh_token') return issueFromRefreshToken(env, scheme, auth)
    if (scheme.grantType === 'client_credentials') {
      const client: JsonObject = {}
      const id = text(auth['client_id'])
      const secret = text(auth['client_secret'])
      if (id) client['client_id'] = id
      if (secret) client['client_secret'] = secret
      return issueClientCredentials({ ...env, scheme, credentials: client }, scheme)
    }
    throw new PatchbayError(
      'bad_request',
      'auth.access_token: required (OAuth 2 connections are made through the connect flow, or import tokens)',
      { details: { problems: ['auth.access_token: required'] } },
    )
  },
  revoke: revokeOAuth2Tokens,
  begin: beginOAuth2Authorization,
  complete: completeOAuth2Authorization,
  capabilities: oauthModuleCapabilities,
}
