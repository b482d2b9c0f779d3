import { accessTokenJwtFor } from './jwt.js'
import { createOidcState } from './oidc-state.js'
import type { SandboxOidcState } from './oidc-state.js'
import { randomHex, randomToken } from './secrets.js'
import type {
  IdTokenTamper,
  SandboxClient,
  SandboxCredentials,
  SandboxFailure,
  SandboxOptions,
  SandboxRotation,
  SandboxStats,
} from './types.js'

/** The one account the sandbox provider is always signed in as; `GET /me` returns `ME`. */
export const SANDBOX_USER = {
  id: 'u_1',
  login: 'sandbox-user',
  email: 'user@sandbox.test',
  name: 'Sandbox User',
  /** OpenID Connect's `phone_number`, always verified. */
  phone: '+15555550123',
  picture: 'https://sandbox.test/avatars/u_1.png',
} as const

/** What `GET /me` answers: the user's id, login, email and name. */
export const SANDBOX_ME = {
  id: SANDBOX_USER.id,
  login: SANDBOX_USER.login,
  email: SANDBOX_USER.email,
  name: SANDBOX_USER.name,
} as const

/** How long an authorization code stays redeemable, in milliseconds. */
const CODE_TTL_MS = 60_000

/** What an authorization code was issued for; the token request must match it. */
interface CodeRecord {
  clientId: string
  redirectUri: string
  scope: string
  codeChallenge?: string
  /** OpenID Connect's nonce from the authorization request. */
  nonce?: string
  expiresAt: number
  used: boolean
}

/** An issued access token: from OAuth (`oauth`) or from the password login (`login`). */
export interface AccessTokenRecord {
  kind: 'oauth' | 'login'
  expiresAt: number
  clientId?: string
  scope?: string
  username?: string
  /** The authorization code the grant descends from, so a replayed code can revoke it. */
  family?: string
}

/** A live refresh token; rotated ones are deleted. */
interface RefreshTokenRecord {
  clientId: string
  scope: string
  family?: string
}

/** A rotated refresh token, kept for the reuse grace period. */
export interface RotatedTokenRecord {
  clientId: string
  /** The refresh token issued in its place. */
  successor: string
  /** Epoch milliseconds. */
  rotatedAt: number
}

/** The settings that `setConfig` can change. */
interface MutableConfig {
  autoApprove: boolean
  accessTokenTtl: number
  failNextToken: SandboxFailure | null
  tamperIdToken: IdTokenTamper | null
  jwtAccessTokens: { audience: string } | null
  failRevocation: boolean
  refreshTokenReuseSeconds: number
  tokenDelayMs: number
  unverifiedEmail: boolean
}

/** Everything the sandbox remembers; it lives in memory only. */
export interface SandboxState {
  config: MutableConfig
  now: () => number
  clients: Map<string, SandboxClient>
  apiKeys: string[]
  basicUsers: SandboxCredentials[]
  loginUsers: SandboxCredentials[]
  codes: Map<string, CodeRecord>
  accessTokens: Map<string, AccessTokenRecord>
  refreshTokens: Map<string, RefreshTokenRecord>
  rotated: Map<string, RotatedTokenRecord>
  rotations: SandboxRotation[]
  stats: SandboxStats
  /** The OpenID Provider's issuer and signing key. */
  oidc: SandboxOidcState
  /** Every code and token ever issued, kept after use or revocation (for `issuedSecrets()`). */
  issued: Set<string>
}

/** Fresh state from options, generating the default client, API key and demo account. */
export function createSandboxState(options: SandboxOptions = {}): SandboxState {
  const clients = options.clients?.length
    ? options.clients
    : [{ clientId: 'sandbox-client', clientSecret: randomHex(32), redirectUris: [] }]
  const demo: SandboxCredentials = { username: 'demo', password: randomToken(18) }
  return {
    config: {
      autoApprove: options.autoApprove ?? false,
      accessTokenTtl: checkTtl(options.accessTokenTtl ?? 3600),
      failNextToken: null,
      tamperIdToken: null,
      jwtAccessTokens: null,
      failRevocation: false,
      refreshTokenReuseSeconds: checkSeconds(options.refreshTokenReuseSeconds ?? 0),
      tokenDelayMs: 0,
      unverifiedEmail: false,
    },
    now: options.now ?? Date.now,
    clients: new Map(clients.map((client) => [client.clientId, checkClient(client)])),
    apiKeys: [randomToken(24), ...(options.apiKeys ?? [])],
    basicUsers: [demo, ...(options.basicUsers ?? []).map((user) => ({ ...user }))],
    loginUsers: [demo, ...(options.users ?? []).map((user) => ({ ...user }))],
    codes: new Map(),
    accessTokens: new Map(),
    refreshTokens: new Map(),
    rotated: new Map(),
    rotations: [],
    stats: emptyStats(),
    oidc: createOidcState(),
    issued: new Set(),
  }
}

/** All counters at zero. */
export function emptyStats(): SandboxStats {
  return {
    tokenRequests: {
      authorization_code: 0,
      refresh_token: 0,
      client_credentials: 0,
      password_login: 0,
    },
    apiCalls: 0,
    discoveryRequests: 0,
    revocationRequests: 0,
  }
}

/** A deep copy, so callers can neither see nor cause later mutation. */
export function copyClient(client: SandboxClient): SandboxClient {
  return {
    ...client,
    redirectUris: [...client.redirectUris],
    ...(client.quirks ? { quirks: structuredClone(client.quirks) } : {}),
  }
}

/**
 * Validates a client registration; a TypeError since a bad one is the caller's mistake.
 * Registered redirect URIs must be absolute and fragment-free (RFC 6749 section 3.1.2).
 */
export function checkClient(client: SandboxClient): SandboxClient {
  if (!client.clientId || !client.clientSecret) {
    throw new TypeError('A sandbox client needs a clientId and a clientSecret')
  }
  for (const uri of client.redirectUris) {
    if (!URL.canParse(uri) || uri.includes('#')) {
      throw new TypeError(`Client ${client.clientId} has an invalid redirect URI: ${uri}`)
    }
  }
  return copyClient(client)
}

/** Validates a token lifetime; a TypeError since a bad value is the caller's mistake. */
export function checkTtl(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds <= 0) {
    throw new TypeError(`accessTokenTtl must be a positive integer, got ${seconds}`)
  }
  return seconds
}

/** Validates a duration that may be 0; a TypeError since a bad value is the caller's mistake. */
export function checkSeconds(value: number, name = 'refreshTokenReuseSeconds'): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new TypeError(`${name} must be a number of at least 0, got ${value}`)
  }
  return value
}

/** Records a new single-use authorization code and returns it. */
export function issueCode(
  state: SandboxState,
  grant: Omit<CodeRecord, 'expiresAt' | 'used'>,
): string {
  const code = randomToken(32)
  state.issued.add(code)
  state.codes.set(code, { ...grant, expiresAt: state.now() + CODE_TTL_MS, used: false })
  return code
}

/** The body of a successful token response. */
interface IssuedTokens {
  access_token: string
  token_type: 'Bearer'
  expires_in: number
  refresh_token?: string
  scope: string
}

/** Issues an access token, and a refresh token when `withRefresh`, for an OAuth grant. */
export function issueTokens(
  state: SandboxState,
  grant: {
    clientId: string
    scope: string
    /** Scope bound to the refresh token when it differs from the access token's. */
    refreshScope?: string
    family?: string
    withRefresh: boolean
    /** Whom an RFC 9068 access token names in `sub`: the user, or the client itself. */
    subject?: string
  },
): IssuedTokens {
  const ttl = state.config.accessTokenTtl
  const jwt = state.config.jwtAccessTokens
  const accessToken = jwt
    ? accessTokenJwtFor(state, {
        audience: jwt.audience,
        clientId: grant.clientId,
        subject: grant.subject ?? SANDBOX_USER.id,
        scope: grant.scope,
        ttl,
      })
    : randomToken(32)
  state.issued.add(accessToken)
  state.accessTokens.set(accessToken, {
    kind: 'oauth',
    expiresAt: state.now() + ttl * 1000,
    clientId: grant.clientId,
    scope: grant.scope,
    ...(grant.family === undefined ? {} : { family: grant.family }),
  })
  const issued: IssuedTokens = {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: ttl,
    scope: grant.scope,
  }
  if (grant.withRefresh) {
    const refreshToken = randomToken(32)
    state.issued.add(refreshToken)
    state.refreshTokens.set(refreshToken, {
      clientId: grant.clientId,
      scope: grant.refreshScope ?? grant.scope,
      ...(grant.family === undefined ? {} : { family: grant.family }),
    })
    issued.refresh_token = refreshToken
  }
  return issued
}

/** Issues a bearer token for the password login endpoint. */
export function issueLoginToken(
  state: SandboxState,
  username: string,
): { token: string; expires_in: number } {
  const token = randomToken(32)
  state.issued.add(token)
  const ttl = state.config.accessTokenTtl
  state.accessTokens.set(token, { kind: 'login', expiresAt: state.now() + ttl * 1000, username })
  return { token, expires_in: ttl }
}

/**
 * Revokes every token descending from one authorization code.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2 (a code used twice)
 */
export function revokeFamily(state: SandboxState, family: string): void {
  for (const [token, record] of state.accessTokens) {
    if (record.family === family) state.accessTokens.delete(token)
  }
  for (const [token, record] of state.refreshTokens) {
    if (record.family === family) state.refreshTokens.delete(token)
  }
}

/** Why a bearer token was refused, or the record it stands for. */
export type TokenLookup =
  { ok: true; record: AccessTokenRecord } | { ok: false; reason: 'missing' | 'unknown' | 'expired' }

/** Looks up a bearer token of one of the given kinds, refusing expired ones. */
export function findAccessToken(
  state: SandboxState,
  token: string | undefined,
  kinds: readonly AccessTokenRecord['kind'][],
): TokenLookup {
  if (token === undefined) return { ok: false, reason: 'missing' }
  const record = state.accessTokens.get(token)
  if (!record || !kinds.includes(record.kind)) return { ok: false, reason: 'unknown' }
  if (record.expiresAt <= state.now()) return { ok: false, reason: 'expired' }
  return { ok: true, record }
}

/** Makes every access and login token expired now. */
export function expireAccessTokens(state: SandboxState): void {
  const now = state.now()
  for (const record of state.accessTokens.values()) {
    record.expiresAt = Math.min(record.expiresAt, now)
  }
}
