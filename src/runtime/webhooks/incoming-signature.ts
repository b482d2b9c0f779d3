import { createHmac, timingSafeEqual } from 'node:crypto'
import { PatchbayError } from '../../errors.js'
import type { NormalizedHmacVerifier } from '../../kit/index.js'

const DIGEST_BYTES = 32
const HEX = /^[0-9a-fA-F]+$/
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/
const DIGITS = /^\d{1,16}$/

function refuse(reason: string): never {
  throw new PatchbayError('unauthorized', `The webhook's signature is not valid: ${reason}`)
}

/** Epoch seconds from a timestamp header; some providers send milliseconds. */
function readTimestamp(value: string): number {
  if (!DIGITS.test(value)) refuse('the timestamp is not a number of seconds')
  const number = Number(value)
  return number >= 1e12 ? Math.floor(number / 1000) : number
}

function decodeSignature(text: string, encoding: 'hex' | 'base64'): Buffer | null {
  if (encoding === 'hex') return HEX.test(text) ? Buffer.from(text, 'hex') : null
  return BASE64.test(text) ? Buffer.from(text, 'base64') : null
}

/** The exact bytes the provider signed: the raw body, or the body placed in the template. */
function signedBytes(template: string, rawBody: Uint8Array, timestamp: string | null): Buffer {
  if (template === 'body') return Buffer.from(rawBody)
  const at = template.indexOf('{body}')
  const fill = (text: string) => text.split('{timestamp}').join(timestamp ?? '')
  return Buffer.concat([
    Buffer.from(fill(template.slice(0, at)), 'utf8'),
    rawBody,
    Buffer.from(fill(template.slice(at + '{body}'.length)), 'utf8'),
  ])
}

/**
 * Checks an HMAC-SHA256 webhook signature as the connector declares it (Logto: hex of the raw
 * body in `logto-signature-sha-256`), comparing in constant time, and the signed timestamp
 * against `now` when the provider sends one.
 * @param now epoch seconds
 * @throws PatchbayError `unauthorized` saying which check failed, never echoing a value
 */
export function verifyHmacWebhook(
  verifier: NormalizedHmacVerifier,
  rawBody: Uint8Array,
  headers: Headers,
  secret: string,
  now: number,
): void {
  const header = headers.get(verifier.signatureHeader)?.trim()
  if (!header) refuse(`the ${verifier.signatureHeader} header is missing`)
  let timestamp: string | null = null
  if (verifier.timestampHeader) {
    timestamp = headers.get(verifier.timestampHeader)?.trim() || null
    if (timestamp === null) refuse(`the ${verifier.timestampHeader} header is missing`)
    if (Math.abs(now - readTimestamp(timestamp)) > verifier.toleranceSeconds) {
      refuse(`the timestamp is more than ${verifier.toleranceSeconds} seconds from now`)
    }
  }
  const prefix = verifier.prefix
  if (prefix && header.slice(0, prefix.length).toLowerCase() !== prefix.toLowerCase()) {
    refuse(`the signature does not start with "${prefix}"`)
  }
  const presented = decodeSignature(header.slice(prefix.length), verifier.encoding)
  const expected = createHmac('sha256', secret)
    .update(signedBytes(verifier.signedPayload, rawBody, timestamp))
    .digest()
  // timingSafeEqual needs equal lengths; a digest's length is no secret.
  if (!presented || presented.length !== DIGEST_BYTES || !timingSafeEqual(presented, expected)) {
    refuse('it does not match the body')
  }
}
