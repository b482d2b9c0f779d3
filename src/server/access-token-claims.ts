import type { JWTHeaderParameters, JWTPayload } from 'jose'

/**
 * What makes a verified JWT an access token for Patchbay's API, beyond its signature, issuer,
 * audience and lifetime (which the verifier checks).
 */
export interface AccessTokenPolicy {
  /**
   * Accepted JWT `typ` header values, compared case-insensitively with any `application/`
   * prefix removed (RFC 7515 §4.1.9). Default `['at+jwt']` (RFC 9068 §4). An issuer that marks
   * its access tokens otherwise (`JWT`) can be allowed here; the entry `none` accepts a token
   * without `typ`. ID tokens are still refused by their own claims.
   */
  acceptedTypes?: readonly string[]
  /** Scopes the token must all carry, in `scope` (space-separated) or `scp` (a list or string). */
  requiredScopes?: readonly string[]
  /** Claims the token must carry with this value (or, for a list claim, among its values). */
  requiredClaims?: Readonly<Record<string, string>>
}

/**
 * The outcome of {@link checkAccessTokenClaims}. `insufficientScope` is set (to the scopes
 * required) when the token is a valid access token that lacks a required scope or claim, so the
 * caller can answer 403 `insufficient_scope` rather than 401 (RFC 6750 §3.1). `reason` is for a
 * debug log and names claims, never their values.
 */
export type AccessTokenCheck =
  | { ok: true }
  | { ok: false; reason: string; insufficientScope?: string }

/** The `typ` values accepted when none are configured (RFC 9068 §4). */
const DEFAULT_ACCESS_TOKEN_TYPES: readonly string[] = ['at+jwt']

/** `application/at+jwt` and `AT+JWT` name the same type as `at+jwt` (RFC 7515 §4.1.9). */
function normalizeTokenType(value: string): string {
  const lower = value.trim().toLowerCase()
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower
}

/**
 * Claims that only an ID token carries: a relying party's `nonce`, the code and access token
 * hashes (OIDC Core §3.1.3.6, §3.3.2.11), and the markers two common issuers put in both kinds
 * of tokens (Amazon Cognito's `token_use`, Keycloak's payload `typ`). They matter when an
 * operator accepts a generic `typ` such as `JWT`, which ID tokens carry too.
 */
function idTokenMarker(payload: JWTPayload): string | null {
  for (const claim of ['nonce', 'at_hash', 'c_hash']) {
    if (payload[claim] !== undefined) return claim
  }
  if (payload['token_use'] === 'id') return 'token_use'
  if (typeof payload['typ'] === 'string' && payload['typ'].toLowerCase() === 'id') return 'typ'
  return null
}

function scopesOf(payload: JWTPayload): Set<string> {
  const scopes = new Set<string>()
  for (const claim of [payload['scope'], payload['scp']]) {
    const values = typeof claim === 'string' ? claim.split(' ') : Array.isArray(claim) ? claim : []
    for (const value of values) if (typeof value === 'string' && value !== '') scopes.add(value)
  }
  return scopes
}

function carries(payload: JWTPayload, claim: string, value: string): boolean {
  const held = payload[claim]
  return held === value || (Array.isArray(held) && held.includes(value))
}

/**
 * Checks that a verified JWT is an access token Patchbay's API accepts: its `typ` is an
 * access-token type (never an ID token's), it carries none of an ID token's own claims, and it
 * holds the required scopes and claims. Pure: the header and payload come already verified.
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2.3
 */
export function checkAccessTokenClaims(
  header: Pick<JWTHeaderParameters, 'typ'>,
  payload: JWTPayload,
  policy: AccessTokenPolicy = {},
): AccessTokenCheck {
  const accepted = (policy.acceptedTypes ?? DEFAULT_ACCESS_TOKEN_TYPES).map(normalizeTokenType)
  const typ = typeof header.typ === 'string' ? normalizeTokenType(header.typ) : 'none'
  if (!accepted.includes(typ)) {
    return { ok: false, reason: `typ ${typ} is not an accepted access token type` }
  }
  const marker = idTokenMarker(payload)
  if (marker !== null) return { ok: false, reason: `an ID token (it carries ${marker})` }

  const required = policy.requiredScopes ?? []
  const granted = scopesOf(payload)
  const missing = required.filter((scope) => !granted.has(scope))
  if (missing.length > 0) {
    return {
      ok: false,
      reason: `missing scope ${missing.join(' ')}`,
      insufficientScope: required.join(' '),
    }
  }
  for (const [claim, value] of Object.entries(policy.requiredClaims ?? {})) {
    if (!carries(payload, claim, value)) {
      return {
        ok: false,
        reason: `claim ${claim} lacks the required value`,
        insufficientScope: required.join(' '),
      }
    }
  }
  return { ok: true }
}
