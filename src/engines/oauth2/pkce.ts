import { createHash } from 'node:crypto'

/**
 * A PKCE code verifier from 32 random bytes: 43 characters of base64url.
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.1
 */
export function codeVerifierFrom(random: Uint8Array): string {
  if (random.length < 32) throw new TypeError('A code verifier needs at least 32 random bytes')
  return Buffer.from(random).toString('base64url')
}

/**
 * The S256 code challenge of a verifier: BASE64URL(SHA256(verifier)).
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.2
 */
export function codeChallengeS256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url')
}
