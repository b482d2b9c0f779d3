import { PatchbayError } from '../errors.js'
import type { JsonValue } from '../errors.js'
import type {
  OidcSpec,
  ProfileSpec,
  ProviderContext,
  ProviderProperty,
  UrlProperty,
} from './types.js'

/** OpenID Connect as a connector author declares it in `oauth2({ oidc })`. */
export interface OidcOptions {
  /** The issuer URL; its `/.well-known/openid-configuration` supplies the endpoints left out. */
  issuer: string
  /** Name the connection from the ID token's claims (default) or from the userinfo endpoint. */
  profile?: 'claims' | 'userinfo'
}

/**
 * A profile as an OAuth 2 author writes it: with `oidc`, `request` may be left out and the
 * pickers then read the ID token's claims (or the userinfo answer).
 */
export type ProfileInput = Omit<ProfileSpec, 'request'> & {
  request?: ProviderProperty<JsonValue>
}

/** Which discovered value a placeholder stands for until a runtime binds it. */
export type DiscoveredValue = 'token_endpoint' | 'userinfo'

const DISCOVERED = Symbol.for('patchbay.oidc.discovered')

type Tagged = { [DISCOVERED]?: DiscoveredValue }

function tag<T extends object>(value: T, name: DiscoveredValue): T {
  Object.defineProperty(value, DISCOVERED, { value: name })
  return value
}

/**
 * What a placeholder left by `oauth2({ oidc })` stands for, or undefined for anything the
 * connector gave itself. The runtime replaces placeholders with values from its discovery cache.
 */
export function discoveredValueOf(property: unknown): DiscoveredValue | undefined {
  return typeof property === 'function' ? (property as Tagged)[DISCOVERED] : undefined
}

function unbound(what: string): never {
  throw new PatchbayError(
    'invalid_config',
    `The ${what} comes from OpenID discovery; use the connector through a Patchbay runtime`,
  )
}

/** A token URL placeholder for an OIDC connector that gives none. */
function discoveredTokenUrl(): UrlProperty {
  return tag(() => unbound('token endpoint'), 'token_endpoint')
}

/**
 * The claims of a JWT, decoded without verification: only for an ID token the runtime verified
 * when it stored it.
 */
export function decodeJwtClaims(token: string): { [key: string]: JsonValue } {
  const payload = token.split('.')[1]
  try {
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as unknown
    if (claims && typeof claims === 'object' && !Array.isArray(claims)) {
      return claims as { [key: string]: JsonValue }
    }
  } catch {
    // Reported below.
  }
  throw new PatchbayError('invalid_response', 'The stored ID token is not a readable JWT')
}

/** The profile request reading the verified ID token's claims from the stored credentials. */
function claimsRequest(): ProviderProperty<JsonValue> {
  return (ctx: ProviderContext) => {
    const idToken = ctx.credentials['idToken']
    if (typeof idToken !== 'string' || idToken === '') {
      throw new PatchbayError(
        'invalid_response',
        'The connection holds no ID token to read claims from',
      )
    }
    return decodeJwtClaims(idToken)
  }
}

/**
 * The social profile of an OIDC connector, from the standard claims: `sub` is the id, and the
 * email and phone count only with `email_verified` and `phone_number_verified`.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#StandardClaims
 */
const OIDC_SOCIAL_DEFAULTS = {
  id: 'sub',
  email: 'email',
  emailVerified: 'email_verified',
  phone: 'phone_number',
  phoneVerified: 'phone_number_verified',
  name: 'name',
  avatar: 'picture',
} as const satisfies Partial<ProfileSpec>

/**
 * Names a connection from standard claims: `email`, else `preferred_username`, `name`, `sub`.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#StandardClaims
 */
export function defaultOidcAccountName(profile: JsonValue): string | undefined {
  if (!profile || typeof profile !== 'object' || Array.isArray(profile)) return undefined
  for (const claim of ['email', 'preferred_username', 'name', 'sub']) {
    const value = profile[claim]
    if (typeof value === 'string' && value !== '') return value
  }
  return undefined
}

/**
 * The OIDC-related fields of an OAuth 2 scheme (`oidc`, `profile`, `scopes` with `openid`, and
 * the token URL placeholder), checked; for a scheme without `oidc`, its profile as given.
 * @throws TypeError for a declaration that cannot work
 */
export function oidcSchemeParts(options: {
  grantType?: string
  tokenUrl?: UrlProperty
  scopes?: string[]
  oidc?: OidcOptions
  profile?: ProfileInput
}): { tokenUrl: UrlProperty; scopes: string[]; profile?: ProfileSpec; oidc?: OidcSpec } {
  const scopes = [...(options.scopes ?? [])]
  const { oidc, profile } = options
  if (!oidc) {
    if (options.tokenUrl === undefined)
      throw new TypeError('oauth2: tokenUrl is required (or oidc)')
    if (profile && profile.request === undefined) {
      throw new TypeError('oauth2: profile.request is required without oidc')
    }
    return {
      tokenUrl: options.tokenUrl,
      scopes,
      ...(profile ? { profile: profile as ProfileSpec } : {}),
    }
  }
  if ((options.grantType ?? 'authorization_code') !== 'authorization_code') {
    throw new TypeError('oauth2: oidc needs the authorization_code grant')
  }
  if (!URL.canParse(oidc.issuer) || !/^https?:$/.test(new URL(oidc.issuer).protocol)) {
    throw new TypeError('oauth2: oidc.issuer must be an http(s) URL')
  }
  if (profile?.request !== undefined && oidc.profile !== undefined) {
    throw new TypeError('oauth2: give either profile.request or oidc.profile, not both')
  }
  const source = oidc.profile ?? 'claims'
  const spec: ProfileSpec =
    profile?.request !== undefined
      ? (profile as ProfileSpec)
      : {
          accountName: defaultOidcAccountName,
          ...OIDC_SOCIAL_DEFAULTS,
          ...(Object.fromEntries(
            Object.entries(profile ?? {}).filter(([, value]) => value !== undefined),
          ) as Partial<ProfileSpec>),
          request:
            source === 'claims'
              ? claimsRequest()
              : tag(() => unbound('userinfo endpoint'), 'userinfo'),
        }
  return {
    tokenUrl: options.tokenUrl ?? discoveredTokenUrl(),
    // No ID token is issued without `openid` (OpenID Connect Core section 3.1.2.1).
    scopes: scopes.includes('openid') ? scopes : ['openid', ...scopes],
    profile: spec,
    oidc: { issuer: oidc.issuer, profile: source },
  }
}
