import { generateKeyPairSync, sign } from 'node:crypto'
import type { SandboxOidcState } from './oidc-state.js'
import { randomToken } from './secrets.js'

/**
 * What signing needs of the sandbox: its OpenID Provider state and its clock. A structural type
 * rather than `SandboxState`, so that `state.ts` may issue JWT access tokens without an import
 * cycle back to it.
 */
interface JwtSigner {
  oidc: SandboxOidcState
  now: () => number
}

/** The RS256 key pair, made on first use so sandboxes that never sign pay nothing for it. */
export function signingKey(signer: JwtSigner): NonNullable<SandboxOidcState['key']> {
  if (!signer.oidc.key) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const kid = randomToken(8)
    const publicJwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }
    signer.oidc.key = { privateKey, publicJwk, kid }
  }
  return signer.oidc.key
}

/**
 * Signs claims as an RS256 JWS in compact form; `tamper` flips one bit of the signature after
 * signing, as a forger without the key would have to.
 * @see https://www.rfc-editor.org/rfc/rfc7515#section-7.1
 */
export function signJwt(
  signer: JwtSigner,
  claims: Record<string, unknown>,
  tamper: boolean,
  typ = 'JWT',
): string {
  const key = signingKey(signer)
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const input = `${encode({ alg: 'RS256', typ, kid: key.kid })}.${encode(claims)}`
  const signature = sign('sha256', Buffer.from(input), key.privateKey)
  if (tamper) signature[0] = signature[0]! ^ 0x01
  return `${input}.${signature.toString('base64url')}`
}

/**
 * An access token in the RFC 9068 profile (the `jwtAccessTokens` switch): `typ` `at+jwt`, signed
 * with the same key as ID tokens, naming the resource in `aud` and the grant's `scope`.
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2
 */
export function accessTokenJwtFor(
  signer: JwtSigner,
  grant: { audience: string; clientId: string; subject: string; scope: string; ttl: number },
): string {
  const now = Math.floor(signer.now() / 1000)
  const claims = {
    iss: signer.oidc.issuer,
    sub: grant.subject,
    aud: grant.audience,
    client_id: grant.clientId,
    scope: grant.scope,
    iat: now,
    exp: now + grant.ttl,
    jti: randomToken(12),
  }
  return signJwt(signer, claims, false, 'at+jwt')
}
