import { createHmac, verify as verifySignature } from 'node:crypto'
import { safeEqual } from './secrets.js'

// The sandbox's own OAuth 1.0a signature check (RFC 5849 section 3). It shares no code with
// Patchbay's signer on purpose: two independent implementations agreeing is the test.

/** A request parameter; names may repeat. */
export type Pair = [name: string, value: string]

/** Signature methods the sandbox verifies. */
export const SIGNATURE_METHODS = ['HMAC-SHA1', 'HMAC-SHA256', 'RSA-SHA1', 'PLAINTEXT'] as const
export type SignatureMethod = (typeof SIGNATURE_METHODS)[number]

/**
 * RFC 5849 section 3.6: UTF-8, then every octet but `A-Z a-z 0-9 - . _ ~` as uppercase `%XX`.
 * Written byte by byte rather than on top of `encodeURIComponent`.
 */
export function encode(value: string): string {
  let out = ''
  for (const byte of Buffer.from(value, 'utf8')) {
    const char = String.fromCharCode(byte)
    out += /[A-Za-z0-9\-._~]/.test(char)
      ? char
      : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}

/** Strict percent-decoding of a header value; `undefined` for a malformed escape. */
export function decode(value: string): string | undefined {
  try {
    return decodeURIComponent(value)
  } catch {
    return undefined
  }
}

/**
 * The parameters of an `Authorization: OAuth …` header, `realm` left out, or `undefined` when the
 * header is another scheme (`null`) or malformed.
 * @see https://www.rfc-editor.org/rfc/rfc5849#section-3.5.1
 */
export function parseAuthorization(header: string | null): Pair[] | null | undefined {
  const match = /^OAuth(?:\s+(.*))?$/is.exec((header ?? '').trim())
  if (!match) return null
  const pairs: Pair[] = []
  const rest = match[1] ?? ''
  const param = /\s*([A-Za-z0-9_%.-]+)="([^"]*)"\s*(?:,|$)/gy
  let consumed = 0
  for (let found = param.exec(rest); found; found = param.exec(rest)) {
    consumed = param.lastIndex
    const name = decode(found[1]!)
    const value = decode(found[2]!)
    if (name === undefined || value === undefined) return undefined
    if (name !== 'realm') pairs.push([name, value])
  }
  if (rest.slice(consumed).trim() !== '') return undefined
  return pairs
}

/**
 * The signature base string from the method, the URL as received and every signed parameter.
 * @see https://www.rfc-editor.org/rfc/rfc5849#section-3.4.1
 */
export function baseString(method: string, url: URL, params: readonly Pair[]): string {
  const defaultPort =
    (url.protocol === 'http:' && url.port === '80') ||
    (url.protocol === 'https:' && url.port === '443')
  const port = url.port === '' || defaultPort ? '' : `:${url.port}`
  const uri = `${url.protocol.toLowerCase()}//${url.hostname.toLowerCase()}${port}${url.pathname || '/'}`
  const normalized = params
    .filter(([name]) => name !== 'oauth_signature')
    .map(([name, value]): Pair => [encode(name), encode(value)])
    // Encoded names and values are ASCII, so string order is the byte order section 3.4.1.3.2 asks.
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&')
  return [encode(method.toUpperCase()), encode(uri), encode(normalized)].join('&')
}

/** What the signature was made with: the client secret (or RSA public key) and token secret. */
interface VerifyKeys {
  clientSecret: string
  tokenSecret: string
}

/**
 * True when `signature` is right for the base string; compared in constant time.
 * @see https://www.rfc-editor.org/rfc/rfc5849#section-3.4
 */
export function signatureMatches(
  method: SignatureMethod,
  base: string,
  signature: string,
  keys: VerifyKeys,
): boolean {
  const key = `${encode(keys.clientSecret)}&${encode(keys.tokenSecret)}`
  switch (method) {
    case 'PLAINTEXT':
      return safeEqual(signature, key)
    case 'HMAC-SHA1':
    case 'HMAC-SHA256': {
      const expected = createHmac(method === 'HMAC-SHA1' ? 'sha1' : 'sha256', key)
        .update(base, 'utf8')
        .digest('base64')
      return safeEqual(signature, expected)
    }
    case 'RSA-SHA1':
      // The client registered its public key as its secret; the private half never reaches us.
      if (!keys.clientSecret.includes('PUBLIC KEY')) return false
      try {
        return verifySignature(
          'RSA-SHA1',
          Buffer.from(base, 'utf8'),
          keys.clientSecret,
          Buffer.from(signature, 'base64'),
        )
      } catch {
        return false
      }
  }
}
