import { createHash, timingSafeEqual } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import { PatchbayError } from '../errors.js'
import { errorResponse } from './http-errors.js'
import type { OidcVerifier } from './oidc-verifier.js'

/**
 * Who made an API call. `id` is what gets recorded as `created_by`: `env` for a key from
 * `PATCHBAY_API_KEY` (or the development key), `key:<id>` for a stored key, the token's `sub`
 * for an OIDC access token.
 */
export interface Caller {
  id: string
  kind: 'env' | 'api_key' | 'oidc'
}

declare module 'hono' {
  interface ContextVariableMap {
    /** Set by the API auth middleware on every route it lets through. */
    caller: Caller
  }
}

/** Looks up a stored API key by its presented value; null when unknown or revoked. */
export type ApiKeyLookup = (presented: string) => Promise<{ id: string } | null>

/** Options of {@link createApiAuthenticator}. */
interface ApiAuthOptions {
  /** Digests of the keys from the environment ({@link apiKeyDigests}). */
  keyDigests: readonly Buffer[]
  /** Stored keys (`patchbay keys create`). */
  findApiKey?: ApiKeyLookup
  /** JWT access tokens from an OIDC issuer. */
  oidc?: OidcVerifier
}

/**
 * The outcome of checking a request's credentials. `presented` says whether a token was sent at
 * all (the challenge then says `invalid_token`); `reason` is for a debug log and never holds the
 * token.
 */
type ApiAuthOutcome =
  | { ok: true; caller: Caller }
  | { ok: false; presented: boolean; reason: string; insufficientScope?: string }

/** Checks an `Authorization` header value. */
export type ApiAuthenticator = (authorization: string | undefined) => Promise<ApiAuthOutcome>

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest()
}

function bearerToken(authorization: string | undefined): string | null {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '')
  return match ? (match[1] as string) : null
}

function matchesEnvKey(token: string, keyDigests: readonly Buffer[]): boolean {
  const presented = digest(token)
  let found = false
  for (const key of keyDigests) found = timingSafeEqual(presented, key) || found
  return found
}

/** Whether an `Authorization` header carries `Bearer <one of these digests' values>`, in constant time. */
export function bearerMatches(authorization: string | undefined, digests: readonly Buffer[]): boolean {
  const token = bearerToken(authorization)
  return token !== null && matchesEnvKey(token, digests)
}

/** Digests of the accepted API keys; only digests are kept in memory past start-up. */
export function apiKeyDigests(keys: readonly string[]): Buffer[] {
  return keys.filter((key) => key !== '').map(digest)
}

// Three base64url segments: a JWS in compact form. API keys have no dots.
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/

/**
 * Creates the check every API route runs: a key from the environment (constant-time), a JWT
 * from the configured OIDC issuer, or a stored key (looked up by its SHA-256).
 */
export function createApiAuthenticator(options: ApiAuthOptions): ApiAuthenticator {
  return async (authorization) => {
    const token = bearerToken(authorization)
    if (token === null) {
      const presented = (authorization ?? '').trim() !== ''
      return {
        ok: false,
        presented,
        reason: presented ? 'not a Bearer credential' : 'no credential',
      }
    }
    if (matchesEnvKey(token, options.keyDigests))
      return { ok: true, caller: { id: 'env', kind: 'env' } }
    if (JWT_SHAPE.test(token)) {
      if (!options.oidc)
        return { ok: false, presented: true, reason: 'a JWT, but no OIDC issuer is configured' }
      const result = await options.oidc.verify(token)
      if (!result.ok) return { ...result, presented: true }
      return { ok: true, caller: { id: result.token.subject, kind: 'oidc' } }
    }
    const stored = options.findApiKey ? await options.findApiKey(token) : null
    if (stored) return { ok: true, caller: { id: `key:${stored.id}`, kind: 'api_key' } }
    return { ok: false, presented: true, reason: 'unknown or revoked API key' }
  }
}

/** The `WWW-Authenticate` challenge of a refused call. */
export function bearerChallenge(outcome: { presented: boolean; insufficientScope?: string }): string {
  if (outcome.insufficientScope !== undefined) {
    const scope = outcome.insufficientScope ? `, scope="${outcome.insufficientScope}"` : ''
    return `Bearer realm="patchbay", error="insufficient_scope"${scope}`
  }
  return outcome.presented
    ? 'Bearer realm="patchbay", error="invalid_token"'
    : 'Bearer realm="patchbay"'
}

/**
 * The refusal of an API call: 401, a `WWW-Authenticate` challenge (`error="invalid_token"` when
 * a token was presented) and the `unauthorized` envelope, which says nothing of what was wrong.
 * A valid access token without the required scope or claim gets 403 `insufficient_scope`
 * instead, still with the `unauthorized` code (the one list has no other for it).
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export function apiRefusal(outcome: { presented: boolean; insufficientScope?: string }): {
  challenge: string
  error: PatchbayError
} {
  const challenge = bearerChallenge(outcome)
  if (outcome.insufficientScope !== undefined) {
    const message = 'The access token does not grant access to the Patchbay API'
    return { challenge, error: new PatchbayError('unauthorized', message, { status: 403 }) }
  }
  const message = outcome.presented
    ? 'The API key or access token is invalid or expired'
    : 'An API key or access token is required: Authorization: Bearer <key or token>'
  return { challenge, error: new PatchbayError('unauthorized', message) }
}

/**
 * Middleware refusing API calls without valid credentials and putting the caller on the
 * context (`c.get('caller')`). The reason for a refusal goes to the debug log only.
 */
export function requireApiAuth(authenticate: ApiAuthenticator): MiddlewareHandler {
  return async (c, next) => {
    const outcome = await authenticate(c.req.header('authorization'))
    if (outcome.ok) {
      c.set('caller', outcome.caller)
      return next()
    }
    c.get('log')?.debug({ reason: outcome.reason }, 'API credentials refused')
    const { challenge, error } = apiRefusal(outcome)
    c.header('WWW-Authenticate', challenge)
    return errorResponse(c, error)
  }
}
