import { errors, jwtVerify } from 'jose'
import type { JWTPayload } from 'jose'
import { createOidcDiscovery, ID_TOKEN_ALGORITHMS } from '../runtime/index.js'
import type { OidcDiscovery } from '../runtime/index.js'
import { checkAccessTokenClaims } from './access-token-claims.js'
import type { AccessTokenPolicy } from './access-token-claims.js'

/**
 * The signature algorithms accepted by default: asymmetric only, the same list ID tokens are held
 * to. `none` is never accepted, and HS* would let anyone holding a shared secret mint tokens.
 */
const ASYMMETRIC_ALGORITHMS: readonly string[] = ID_TOKEN_ALGORITHMS

/** Options of {@link createOidcVerifier}. */
export interface OidcVerifierOptions {
  /** The issuer, exactly as tokens carry it in `iss` (`PATCHBAY_OIDC_ISSUER`). */
  issuer: string
  /** Accepted `aud` values; a token must name one of them (`PATCHBAY_OIDC_AUDIENCE`). */
  audience: string | readonly string[]
  /** A subset of {@link ASYMMETRIC_ALGORITHMS}; symmetric ones are refused. */
  algorithms?: readonly string[]
  /** Clock skew tolerated on `exp` and `nbf`, in seconds. Default 5. */
  clockToleranceSeconds?: number
  /**
   * How long after a JWKS fetch a token with an unknown `kid` may not trigger another one, in
   * milliseconds. Default 30 000 (jose's), which stops a stream of made-up `kid`s from turning
   * into requests to the issuer; a rotated key is still picked up once the cooldown is over.
   */
  jwksCooldownMs?: number
  /** How long a fetched JWKS is used before it is fetched again, in milliseconds. Default 600 000. */
  jwksCacheMaxAgeMs?: number
  /** How long the JWKS requests may take, in milliseconds. Default 5000. */
  timeoutMs?: number
  /**
   * Which tokens count as access tokens (`typ`, by default `at+jwt` only, so ID tokens are
   * refused) and the scopes or claims the API requires; see {@link checkAccessTokenClaims}.
   */
  accessTokens?: AccessTokenPolicy
  /** Used for a discovery cache of the verifier's own, when no `discovery` is given. */
  fetch?: typeof fetch
  /** The runtime's discovery cache (`patchbay.oidc`), so an issuer is discovered once. */
  discovery?: Pick<OidcDiscovery, 'keys'>
}

/** A verified access token: whose it is, and its claims. */
export interface VerifiedToken {
  subject: string
  claims: JWTPayload
}

/**
 * The outcome of {@link OidcVerifier.verify}. `reason` says why a token was refused in terms
 * safe for a debug log (a jose error code, a claim name), never the token itself.
 */
export type TokenVerification =
  | { ok: true; token: VerifiedToken }
  | { ok: false; reason: string; insufficientScope?: string }

/** Verifies JWT access tokens from one OIDC issuer against its published keys. */
export interface OidcVerifier {
  readonly issuer: string
  verify(token: string): Promise<TokenVerification>
}

function reasonOf(error: unknown): string {
  if (error instanceof errors.JWTClaimValidationFailed || error instanceof errors.JWTExpired) {
    return `${error.code} (${error.claim}: ${error.reason})`
  }
  if (error instanceof errors.JOSEError) return error.code
  return error instanceof Error ? `key discovery failed: ${error.message}` : 'key discovery failed'
}

/**
 * Creates a verifier for one issuer. The JWKS is discovered from
 * `<issuer>/.well-known/openid-configuration` on first use, cached, and fetched again when a
 * token names a key it does not hold (a rotation). Checked: the signature with an asymmetric
 * algorithm, `iss`, `aud`, `exp` (required), `nbf`, a `sub`, and that it is an access token
 * (`typ` `at+jwt`, RFC 9068) holding the required scopes and claims.
 *
 * @example
 * const oidc = createOidcVerifier({ issuer: 'https://id.example.com/oidc', audience: 'https://patchbay' })
 * const result = await oidc.verify(bearerToken)
 * if (result.ok) console.log(result.token.subject)
 */
export function createOidcVerifier(options: OidcVerifierOptions): OidcVerifier {
  if (!URL.canParse(options.issuer)) throw new TypeError('issuer must be a URL')
  const audience = typeof options.audience === 'string' ? [options.audience] : [...options.audience]
  if (audience.length === 0 || audience.some((value) => value === '')) {
    throw new TypeError('audience must name at least one non-empty value')
  }
  const algorithms = [...(options.algorithms ?? ASYMMETRIC_ALGORITHMS)]
  const refused = algorithms.filter((alg) => !ASYMMETRIC_ALGORITHMS.includes(alg))
  if (refused.length > 0)
    throw new TypeError(`algorithms must be asymmetric; refused: ${refused.join(', ')}`)
  const fetchImpl = options.fetch ?? ((input, init) => fetch(input, init))
  // Discovery and its cache are the runtime's (one per issuer, PatchbayErrors, a failure not
  // remembered); this file only checks the token.
  const discovery =
    options.discovery ??
    createOidcDiscovery({ fetch: fetchImpl, now: () => Math.floor(Date.now() / 1000) })
  const keySet = {
    cooldownMs: options.jwksCooldownMs ?? 30_000,
    cacheMaxAgeMs: options.jwksCacheMaxAgeMs ?? 600_000,
    timeoutMs: options.timeoutMs ?? 5000,
  }
  const keys = () => discovery.keys(options.issuer, keySet)

  return {
    issuer: options.issuer,
    async verify(token) {
      try {
        const { payload, protectedHeader } = await jwtVerify(token, await keys(), {
          issuer: options.issuer,
          audience,
          algorithms,
          clockTolerance: options.clockToleranceSeconds ?? 5,
          requiredClaims: ['exp', 'sub'],
        })
        if (typeof payload.sub !== 'string' || payload.sub === '') {
          return { ok: false, reason: 'the token has no subject' }
        }
        const check = checkAccessTokenClaims(protectedHeader, payload, options.accessTokens)
        if (!check.ok) return check
        return { ok: true, token: { subject: payload.sub, claims: payload } }
      } catch (error) {
        return { ok: false, reason: reasonOf(error) }
      }
    },
  }
}
