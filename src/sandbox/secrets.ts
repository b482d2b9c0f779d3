import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/** A random, URL-safe token carrying `bytes` bytes of entropy. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url')
}

/** A random hex string carrying `bytes` bytes of entropy. */
export function randomHex(bytes = 32): string {
  return randomBytes(bytes).toString('hex')
}

/**
 * Compares two secrets in time that does not depend on where they differ.
 * Both sides are hashed first so that their lengths do not leak either.
 */
export function safeEqual(a: string, b: string): boolean {
  const digestA = createHash('sha256').update(a, 'utf8').digest()
  const digestB = createHash('sha256').update(b, 'utf8').digest()
  return timingSafeEqual(digestA, digestB)
}

/**
 * True when `candidate` equals any of `secrets`; checks all of them, so timing does not reveal
 * which one matched.
 */
export function matchesAny(candidate: string, secrets: readonly string[]): boolean {
  let found = false
  for (const secret of secrets) found = safeEqual(candidate, secret) || found
  return found
}

/**
 * The S256 PKCE transform of a code verifier.
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.2
 */
export function s256(codeVerifier: string): string {
  return createHash('sha256').update(codeVerifier, 'ascii').digest('base64url')
}
