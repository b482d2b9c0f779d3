import { createHash, timingSafeEqual } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import { PatchbayError } from '../errors.js'
import { errorResponse } from './http-errors.js'

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest()
}

/** True when the request carries one of the API keys as a Bearer token (constant-time). */
export function hasApiKey(authorization: string | undefined, keyDigests: readonly Buffer[]): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(authorization ?? '')
  if (!match) return false
  const presented = digest((match[1] as string).trim())
  let found = false
  for (const key of keyDigests) found = timingSafeEqual(presented, key) || found
  return found
}

/** Digests of the accepted API keys; only digests are kept in memory past start-up. */
export function apiKeyDigests(keys: readonly string[]): Buffer[] {
  return keys.filter((key) => key !== '').map(digest)
}

/**
 * Refuses API calls without a valid key: 401, a `WWW-Authenticate` challenge and the
 * `unauthorized` envelope, which never says what was wrong with the key.
 */
export function requireApiKey(keyDigests: readonly Buffer[]): MiddlewareHandler {
  return async (c, next) => {
    if (hasApiKey(c.req.header('authorization'), keyDigests)) return next()
    c.header('WWW-Authenticate', 'Bearer realm="patchbay"')
    return errorResponse(
      c,
      new PatchbayError('unauthorized', 'An API key is required: Authorization: Bearer <key>'),
    )
  }
}
