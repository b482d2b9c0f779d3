import { json } from './http.js'
import { signingKey, signJwt } from './jwt.js'
import { requireBearer } from './resources.js'
import { randomToken } from './secrets.js'
import { SANDBOX_USER } from './state.js'
import type { SandboxState } from './state.js'
import type { IdTokenTamper } from './types.js'

/** The scopes the sandbox's OpenID Provider knows. */
const OIDC_SCOPES = ['openid', 'email', 'profile']

/**
 * The user's standard claims; `email_verified` follows the `unverifiedEmail` switch.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#StandardClaims
 */
function profileClaims(state: SandboxState): Record<string, unknown> {
  return {
    email: SANDBOX_USER.email,
    email_verified: !state.config.unverifiedEmail,
    phone_number: SANDBOX_USER.phone,
    phone_number_verified: true,
    preferred_username: SANDBOX_USER.login,
    name: SANDBOX_USER.name,
    picture: SANDBOX_USER.picture,
  }
}

function issuerOf(state: SandboxState, req: Request): string {
  return state.oidc.issuer || new URL(req.url).origin
}

/**
 * The ID token for a code exchange when `openid` was granted (undefined otherwise): `iss`,
 * `sub`, `aud`, `exp`, `iat`, the authorization request's `nonce`, and the profile claims.
 * The `tamperIdToken` switch breaks one check on purpose.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDToken
 */
export function idTokenFor(
  state: SandboxState,
  req: Request,
  grant: { clientId: string; scope: string; nonce?: string },
): string | undefined {
  if (!grant.scope.split(' ').includes('openid')) return undefined
  const now = Math.floor(state.now() / 1000)
  const tamper: IdTokenTamper | null = state.config.tamperIdToken
  const claims: Record<string, unknown> = {
    iss: tamper === 'issuer' ? 'https://issuer.invalid' : issuerOf(state, req),
    sub: SANDBOX_USER.id,
    aud: tamper === 'audience' ? 'another-client' : grant.clientId,
    exp: tamper === 'expired' ? now - 600 : now + state.config.accessTokenTtl,
    iat: tamper === 'expired' ? now - 1200 : now,
    auth_time: now,
    ...profileClaims(state),
  }
  if (tamper === 'azp') {
    claims['aud'] = [grant.clientId, 'another-client']
    claims['azp'] = 'another-client'
  }
  const nonce = tamper === 'nonce' ? `not-${randomToken(8)}` : grant.nonce
  if (nonce !== undefined) claims['nonce'] = nonce
  return signJwt(state, claims, tamper === 'signature')
}

/**
 * `GET /.well-known/openid-configuration`: the provider metadata, counted in
 * `stats().discoveryRequests`.
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata
 */
export function handleDiscovery(state: SandboxState, req: Request): Response {
  state.stats.discoveryRequests += 1
  const issuer = issuerOf(state, req)
  return json(200, {
    issuer,
    authorization_endpoint: `${issuer}/oauth/authorize`,
    token_endpoint: `${issuer}/oauth/token`,
    userinfo_endpoint: `${issuer}/userinfo`,
    jwks_uri: `${issuer}/jwks`,
    revocation_endpoint: `${issuer}/oauth/revoke`,
    scopes_supported: OIDC_SCOPES,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    code_challenge_methods_supported: ['S256'],
    claims_supported: [
      'sub',
      'iss',
      'aud',
      'exp',
      'iat',
      'nonce',
      'email',
      'email_verified',
      'preferred_username',
      'name',
      'phone_number',
      'phone_number_verified',
      'picture',
    ],
  })
}

/**
 * `GET /jwks`: the public signing key.
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5
 */
export function handleJwks(state: SandboxState): Response {
  return json(200, { keys: [signingKey(state).publicJwk] }, { 'cache-control': 'max-age=300' })
}

/**
 * `GET|POST /userinfo`: the signed-in user's claims, for an access token granted `openid`.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfo
 */
export function handleUserinfo(state: SandboxState, req: Request): Response {
  const auth = requireBearer(state, req, ['oauth'])
  if (!auth.ok) return auth.response
  if (!(auth.record.scope ?? '').split(' ').includes('openid')) {
    return json(
      403,
      { error: 'insufficient_scope', error_description: 'The access token was not granted openid' },
      { 'www-authenticate': 'Bearer error="insufficient_scope", scope="openid"' },
    )
  }
  return json(200, { sub: SANDBOX_USER.id, ...profileClaims(state) })
}
