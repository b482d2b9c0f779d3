import { PatchbayError } from '../../errors.js'
import { getPath, lifetimeSeconds } from '../../common/index.js'
import type { JsonObject, TokenResponsePaths } from '../../kit/index.js'
import { toEpochSeconds } from '../shared/epoch-seconds.js'
import type { TokenSet } from './token-set.js'

/** Where RFC 6749 puts each field of a successful token response. */
const STANDARD_TOKEN_PATHS = {
  accessToken: 'access_token',
  refreshToken: 'refresh_token',
  expiresIn: 'expires_in',
  tokenType: 'token_type',
  scope: 'scope',
  idToken: 'id_token',
} as const satisfies Required<Omit<TokenResponsePaths, 'expiresAt' | 'settings' | 'expiresInUnit'>>

function text(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value
  if (typeof value === 'number') return String(value)
  return undefined
}

/**
 * The absolute expiry of a token response: `expiresIn` (seconds, or the declared
 * `expiresInUnit`) from `now` when present, else the
 * `expiresAt` path's value (epoch seconds, milliseconds or an ISO date) when one is declared;
 * undefined when the provider gave neither, and the token is then taken not to expire.
 */
function expiryOf(body: JsonObject, paths: TokenResponsePaths, now: number): number | undefined {
  const rawIn = getPath(body, paths.expiresIn ?? STANDARD_TOKEN_PATHS.expiresIn)
  const seconds = Number(rawIn)
  if (
    rawIn !== undefined &&
    rawIn !== null &&
    rawIn !== '' &&
    Number.isFinite(seconds) &&
    seconds > 0
  ) {
    return now + lifetimeSeconds(seconds, paths.expiresInUnit)
  }
  if (paths.expiresAt === undefined) return undefined
  const at = toEpochSeconds(getPath(body, paths.expiresAt))
  return at !== undefined && at > 0 ? at : undefined
}

/**
 * The settings a token response supplies (`tokenResponse.settings`: name → dot path), as text;
 * undefined when none are declared.
 * @throws PatchbayError `invalid_response` when a declared one is missing: the connection would
 *   have no usable base URL
 */
function settingsOf(body: JsonObject, paths: TokenResponsePaths): Record<string, string> | undefined {
  if (paths.settings === undefined) return undefined
  const settings: Record<string, string> = {}
  for (const [name, path] of Object.entries(paths.settings)) {
    const value = text(getPath(body, path))
    if (!value) {
      throw new PatchbayError('invalid_response', `Token response has no ${path}`, { details: { path } })
    }
    settings[name] = value
  }
  return settings
}

/**
 * Reads the tokens out of a successful token response body, at the RFC 6749 names or at the dot
 * paths a connector declares (`authed_user.access_token` for Slack's nesting).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 * @throws PatchbayError `invalid_response` when there is no access token where one is expected
 */
export function readTokenFields(
  body: JsonObject,
  paths: TokenResponsePaths,
  now: number,
): TokenSet {
  const accessTokenPath = paths.accessToken ?? STANDARD_TOKEN_PATHS.accessToken
  const accessToken = text(getPath(body, accessTokenPath))
  if (!accessToken) {
    throw new PatchbayError('invalid_response', `Token response has no ${accessTokenPath}`, {
      details: { path: accessTokenPath },
    })
  }
  const tokens: TokenSet = {
    accessToken,
    tokenType: text(getPath(body, paths.tokenType ?? STANDARD_TOKEN_PATHS.tokenType)) ?? 'Bearer',
  }
  const refreshToken = text(getPath(body, paths.refreshToken ?? STANDARD_TOKEN_PATHS.refreshToken))
  if (refreshToken) tokens.refreshToken = refreshToken
  const expiresAt = expiryOf(body, paths, now)
  if (expiresAt !== undefined) tokens.expiresAt = expiresAt
  const scope = text(getPath(body, paths.scope ?? STANDARD_TOKEN_PATHS.scope))
  if (scope) tokens.scope = scope
  const idToken = text(getPath(body, paths.idToken ?? STANDARD_TOKEN_PATHS.idToken))
  if (idToken) tokens.idToken = idToken
  const settings = settingsOf(body, paths)
  if (settings) tokens.settings = settings
  tokens.raw = withoutPaths(body, [
    accessTokenPath,
    paths.refreshToken ?? STANDARD_TOKEN_PATHS.refreshToken,
    paths.idToken ?? STANDARD_TOKEN_PATHS.idToken,
  ])
  return tokens
}

/** A copy of a body without the values at these dot paths: the tokens, kept once beside it. */
function withoutPaths(body: JsonObject, paths: string[]): JsonObject {
  const copy = structuredClone(body)
  for (const path of paths) {
    const keys = path.split('.')
    let parent: unknown = copy
    for (const key of keys.slice(0, -1)) {
      parent = typeof parent === 'object' && parent !== null ? (parent as Record<string, unknown>)[key] : undefined
    }
    if (typeof parent === 'object' && parent !== null) delete (parent as Record<string, unknown>)[keys.at(-1) as string]
  }
  return copy
}
