import { isPatchbayError, PatchbayError } from '../../errors.js'
import type { JsonValue } from '../../errors.js'
import { oidc as oidcEngine, readProviderBody } from '../../engines/index.js'
import type { ClientCredentials, TokenSet } from '../../engines/oauth2/index.js'
import type { OidcProviderMetadata } from '../../engines/oidc/index.js'
import { decodeJwtClaims, discoveredValueOf } from '../../kit/index.js'
import type {
  Connector,
  JsonObject,
  OAuth2Scheme,
  ProviderContext,
  UrlProperty,
} from '../../kit/index.js'
import type { RuntimeDeps } from '../deps.js'
import type { OidcDiscovery } from './oidc-discovery.js'
import { errorFromProviderResponse } from '../fetch/provider-errors.js'

/** Clock skew tolerated on the ID token's `exp`, `iat` and `nbf`, in seconds. */
const CLOCK_TOLERANCE_SECONDS = 60

function oidcScheme(
  connector: Connector,
): (OAuth2Scheme & { oidc: NonNullable<OAuth2Scheme['oidc']> }) | null {
  const scheme = connector.auth
  // Only OAuth 2 declares `oidc`; the property says it, whatever the scheme.
  return 'oidc' in scheme && scheme.oidc
    ? (scheme as OAuth2Scheme & { oidc: NonNullable<OAuth2Scheme['oidc']> })
    : null
}

/**
 * Binds an OIDC connector to a runtime's discovery cache: the authorization and token URLs it
 * left out, and a userinfo profile request, become lookups of the issuer's metadata. Other
 * connectors come back unchanged.
 */
export function bindOidc(connector: Connector, discovery: OidcDiscovery): Connector {
  const scheme = oidcScheme(connector)
  if (!scheme) return connector
  const issuer = scheme.oidc.issuer
  const endpoint =
    (name: string, pick: (metadata: OidcProviderMetadata) => string | undefined): UrlProperty =>
    async () => {
      const url = pick(await discovery.metadata(issuer))
      if (!url)
        throw new PatchbayError(
          'invalid_config',
          `The OpenID configuration of ${issuer} has no ${name}`,
        )
      return url
    }
  const profile = scheme.profile
  const auth: OAuth2Scheme = {
    ...scheme,
    authorizationUrl:
      scheme.authorizationUrl ?? endpoint('authorization_endpoint', (m) => m.authorizationEndpoint),
    tokenUrl:
      discoveredValueOf(scheme.tokenUrl) === 'token_endpoint'
        ? endpoint('token_endpoint', (m) => m.tokenEndpoint)
        : scheme.tokenUrl,
    ...(profile && discoveredValueOf(profile.request) === 'userinfo'
      ? { profile: { ...profile, request: userinfoRequest(issuer, discovery) } }
      : {}),
  }
  return { ...connector, auth }
}

/**
 * The profile request of `oidc: { profile: 'userinfo' }`: the issuer's userinfo endpoint with the
 * access token. Its `sub` must be the ID token's, or the answer is about someone else.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfoResponse
 */
function userinfoRequest(issuer: string, discovery: OidcDiscovery) {
  return async (ctx: ProviderContext): Promise<JsonValue> => {
    const { userinfoEndpoint } = await discovery.metadata(issuer)
    if (!userinfoEndpoint) {
      throw new PatchbayError(
        'invalid_config',
        `The OpenID configuration of ${issuer} has no userinfo_endpoint`,
      )
    }
    const response = await ctx.fetch(userinfoEndpoint, { headers: { accept: 'application/json' } })
    const body = await readProviderBody(response)
    if (!response.ok)
      throw errorFromProviderResponse('GET', new URL(userinfoEndpoint), response.status, body)
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new PatchbayError(
        'invalid_response',
        'The userinfo endpoint did not answer a JSON object',
      )
    }
    const idToken = ctx.credentials['idToken']
    if (typeof idToken === 'string' && decodeJwtClaims(idToken)['sub'] !== body['sub']) {
      throw new PatchbayError(
        'unauthorized',
        'The userinfo answer is about another subject than the ID token',
      )
    }
    return body
  }
}

/**
 * What an OIDC authorization request adds: a 128-bit `nonce` sent to the provider and kept in
 * the sealed auth session, so the ID token can be tied to this very flow.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
 */
export function oidcAuthorizationParts(
  deps: RuntimeDeps,
  scheme: OAuth2Scheme,
): { params: Record<string, string>; data: JsonObject } {
  if (!scheme.oidc) return { params: {}, data: {} }
  const nonce = Buffer.from(deps.random(16)).toString('base64url')
  return { params: { nonce }, data: { nonce } }
}

/**
 * Verifies the ID token of an OIDC code exchange before anything is stored: its signature
 * against the issuer's JWKS, `iss`, `aud` (the client), `exp`, the session's `nonce`, and `azp`.
 * Schemes without `oidc` pass untouched.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
 * @throws PatchbayError `unauthorized` for a token that does not verify (naming the check,
 *   never the token), `invalid_response` when there is none or it is not a JWT,
 *   `provider_error` when the issuer's keys cannot be read
 */
export async function verifyIdToken(
  deps: RuntimeDeps,
  scheme: OAuth2Scheme,
  client: ClientCredentials,
  tokens: TokenSet,
  session: JsonObject,
): Promise<void> {
  if (!scheme.oidc) return
  const { issuer } = scheme.oidc
  const nonce = session['nonce']
  if (typeof nonce !== 'string') {
    throw new PatchbayError(
      'invalid_response',
      'This authorization was started without a nonce; start it again',
    )
  }
  if (!tokens.idToken) {
    throw new PatchbayError(
      'invalid_response',
      'The provider returned no ID token (was the openid scope granted?)',
    )
  }
  await verifiedIdTokenClaims(deps.oidc, { issuer, clientId: client.clientId, nonce, now: deps.now() }, tokens.idToken)
}

/**
 * The claims of an ID token from `issuer`, once verified: its signature against the issuer's
 * JWKS, `iss`, `aud` (the client), `exp`, `nonce` and `azp`. Shared by connections and the
 * operator dashboard's sign-in.
 * @throws PatchbayError `unauthorized` naming the failed check (never the token)
 */
export async function verifiedIdTokenClaims(
  discovery: OidcDiscovery,
  expected: { issuer: string; clientId: string; nonce: string; now: number },
  idToken: string,
): Promise<{ [key: string]: JsonValue | undefined }> {
  const { issuer, clientId, nonce } = expected
  const metadata = await discovery.metadata(issuer)
  const keys = await discovery.keys(issuer)
  let claims: { [key: string]: JsonValue | undefined }
  try {
    // jose loads with the first OIDC connection, not with every CLI command.
    const { jwtVerify } = await import('jose')
    const verified = await jwtVerify(idToken, keys, {
      issuer,
      audience: clientId,
      algorithms: oidcEngine.idTokenAlgorithms(metadata.idTokenSigningAlgValuesSupported),
      currentDate: new Date(expected.now * 1000),
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['exp', 'iat', 'sub'],
    })
    claims = verified.payload as { [key: string]: JsonValue | undefined }
  } catch (error) {
    throw await refusal(error)
  }
  oidcEngine.checkIdTokenClaims(claims, { clientId, nonce })
  return claims
}

/**
 * A jose failure in Patchbay's words. The original error is not kept as the cause: some jose
 * errors carry the token's claims.
 */
async function refusal(error: unknown): Promise<PatchbayError> {
  const { errors: joseErrors } = await import('jose')
  if (isPatchbayError(error)) return error
  const refused = (message: string, details: { [key: string]: JsonValue } = {}) =>
    new PatchbayError('unauthorized', `The ID token was refused: ${message}`, { details })
  if (error instanceof joseErrors.JWTExpired) return refused('it has expired', { claim: 'exp' })
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    return refused(`its ${error.claim} claim is not valid (${error.reason})`, {
      claim: error.claim,
      reason: error.reason,
    })
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
    return refused("its signature does not verify against the issuer's keys", {
      check: 'signature',
    })
  }
  if (
    error instanceof joseErrors.JWKSNoMatchingKey ||
    error instanceof joseErrors.JWKSMultipleMatchingKeys
  ) {
    return refused('no key of the issuer matches its signature', { check: 'signature' })
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) {
    return refused('it is signed with an algorithm that is not accepted', { check: 'alg' })
  }
  if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid) {
    return new PatchbayError('provider_error', "The issuer's signing keys could not be read")
  }
  if (error instanceof joseErrors.JOSEError) {
    return new PatchbayError('invalid_response', 'The ID token is not a valid signed JWT', {
      details: { jose: error.code },
    })
  }
  return new PatchbayError('provider_error', "The issuer's signing keys could not be read")
}
