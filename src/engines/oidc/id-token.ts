import { PatchbayError } from '../../errors.js'
import type { JsonValue } from '../../errors.js'

/**
 * Signature algorithms accepted for ID tokens: asymmetric only. `none` is never accepted, and
 * HS* (keyed with the client secret) is left out so a token can only come from the issuer's keys.
 */
export const ID_TOKEN_ALGORITHMS: readonly string[] = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]

/**
 * The algorithms to accept for a provider: those it announces that are in
 * {@link ID_TOKEN_ALGORITHMS}, or RS256 (the OpenID default) when it announces none.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDToken
 */
export function idTokenAlgorithms(announced: readonly string[] | undefined): string[] {
  if (!announced || announced.length === 0) return ['RS256']
  return announced.filter((alg) => ID_TOKEN_ALGORITHMS.includes(alg))
}

function refuse(claim: string, message: string): PatchbayError {
  return new PatchbayError('unauthorized', `The ID token was refused: ${message}`, {
    details: { claim },
  })
}

/**
 * The ID token checks that come after signature, `iss`, `aud` and `exp` (which a JWT library
 * does): `nonce` must be the one sent with this authorization request, and `azp` must be the
 * client when present, which it must be when `aud` names several audiences.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
 * @throws PatchbayError `unauthorized` naming the claim (never its value)
 */
export function checkIdTokenClaims(
  claims: { [key: string]: JsonValue | undefined },
  expected: { clientId: string; nonce: string },
): void {
  if (typeof claims['sub'] !== 'string' || claims['sub'] === '') {
    throw refuse('sub', 'it names no subject')
  }
  if (claims['nonce'] !== expected.nonce) {
    throw refuse('nonce', 'its nonce is not the one sent with this authorization request')
  }
  const aud = claims['aud']
  const audiences = Array.isArray(aud) ? aud : [aud]
  const azp = claims['azp']
  if (azp !== undefined && azp !== expected.clientId) {
    throw refuse('azp', 'it was issued to another authorized party')
  }
  if (audiences.length > 1 && azp === undefined) {
    throw refuse('azp', 'it names several audiences but no authorized party')
  }
}
