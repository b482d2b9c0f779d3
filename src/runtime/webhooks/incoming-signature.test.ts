import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { isPatchbayError } from '../../errors.js'
import { normalizeWebhooks } from '../../kit/index.js'
import type { HmacWebhookVerifier, NormalizedHmacVerifier } from '../../kit/index.js'
import { verifyHmacWebhook } from './incoming-signature.js'

const SECRET = 'logto-signing-key-1'
const NOW = 1_700_000_000
const body = Buffer.from(JSON.stringify({ event: 'User.Created', data: { id: 'u1', name: 'Zoë' } }))

function verifier(input: HmacWebhookVerifier): NormalizedHmacVerifier {
  return normalizeWebhooks('test', { verify: input }).verify as NormalizedHmacVerifier
}

function hmac(data: Buffer | string, encoding: 'hex' | 'base64' = 'hex', key = SECRET): string {
  return createHmac('sha256', key).update(data).digest(encoding)
}

function outcome(check: () => void): string {
  try {
    check()
    return 'accepted'
  } catch (error) {
    expect(isPatchbayError(error, 'unauthorized')).toBe(true)
    expect((error as Error).message).not.toContain(SECRET)
    return (error as Error).message
  }
}

describe('HMAC-SHA256 webhook signatures', () => {
  const logto = verifier({
    signatureHeader: 'logto-signature-sha-256',
    algorithm: 'sha256',
    encoding: 'hex',
  })

  it('accepts a Logto signature: hex HMAC of the raw body', () => {
    const headers = new Headers({ 'Logto-Signature-Sha-256': hmac(body) })
    expect(outcome(() => verifyHmacWebhook(logto, body, headers, SECRET, NOW))).toBe('accepted')
  })

  it('accepts the hex digest in upper case too', () => {
    const headers = new Headers({ 'logto-signature-sha-256': hmac(body).toUpperCase() })
    expect(outcome(() => verifyHmacWebhook(logto, body, headers, SECRET, NOW))).toBe('accepted')
  })

  it('refuses a tampered body, a wrong key, a missing header and a malformed value', () => {
    const good = hmac(body)
    const tampered = Buffer.from(body.toString().replace('u1', 'u2'))
    const cases: [Buffer, Headers][] = [
      [tampered, new Headers({ 'logto-signature-sha-256': good })],
      [body, new Headers({ 'logto-signature-sha-256': hmac(body, 'hex', 'other-key') })],
      [body, new Headers()],
      [body, new Headers({ 'logto-signature-sha-256': good.slice(0, 62) })],
      [body, new Headers({ 'logto-signature-sha-256': `${good}00` })],
      [body, new Headers({ 'logto-signature-sha-256': 'zz'.repeat(32) })],
    ]
    for (const [raw, headers] of cases) {
      expect(outcome(() => verifyHmacWebhook(logto, raw, headers, SECRET, NOW))).not.toBe(
        'accepted',
      )
    }
    expect(outcome(() => verifyHmacWebhook(logto, body, new Headers(), SECRET, NOW))).toMatch(
      /logto-signature-sha-256 header is missing/,
    )
  })

  it('checks a prefixed base64 signature (GitHub style, base64 variant)', () => {
    const spec = verifier({ signatureHeader: 'x-signature', encoding: 'base64', prefix: 'sha256=' })
    const ok = new Headers({ 'x-signature': `sha256=${hmac(body, 'base64')}` })
    expect(outcome(() => verifyHmacWebhook(spec, body, ok, SECRET, NOW))).toBe('accepted')
    const unprefixed = new Headers({ 'x-signature': hmac(body, 'base64') })
    expect(outcome(() => verifyHmacWebhook(spec, body, unprefixed, SECRET, NOW))).toMatch(
      /start with/,
    )
  })

  describe('with a signed timestamp', () => {
    const spec = verifier({
      signatureHeader: 'x-signature',
      timestampHeader: 'x-timestamp',
      signedPayload: '{timestamp}.{body}',
    })
    const signed = (at: number) =>
      new Headers({
        'x-timestamp': String(at),
        'x-signature': hmac(Buffer.concat([Buffer.from(`${at}.`), body])),
      })

    it('accepts a fresh one, within the default five minutes either way', () => {
      for (const at of [NOW, NOW - 299, NOW + 299]) {
        expect(outcome(() => verifyHmacWebhook(spec, body, signed(at), SECRET, NOW))).toBe(
          'accepted',
        )
      }
    })

    it('refuses a stale or future one even when correctly signed', () => {
      for (const at of [NOW - 301, NOW + 301]) {
        expect(outcome(() => verifyHmacWebhook(spec, body, signed(at), SECRET, NOW))).toMatch(
          /300 seconds/,
        )
      }
    })

    it('refuses a timestamp changed after signing, and a missing one', () => {
      const headers = signed(NOW - 10)
      headers.set('x-timestamp', String(NOW))
      expect(outcome(() => verifyHmacWebhook(spec, body, headers, SECRET, NOW))).toMatch(
        /does not match/,
      )
      headers.delete('x-timestamp')
      expect(outcome(() => verifyHmacWebhook(spec, body, headers, SECRET, NOW))).toMatch(
        /x-timestamp/,
      )
    })

    it('reads millisecond timestamps and honours a custom tolerance and template', () => {
      const slack = verifier({
        signatureHeader: 'x-slack-signature',
        prefix: 'v0=',
        timestampHeader: 'x-slack-request-timestamp',
        signedPayload: 'v0:{timestamp}:{body}',
        toleranceSeconds: 60,
      })
      const at = NOW - 30
      const headers = new Headers({
        'x-slack-request-timestamp': String(at),
        'x-slack-signature': `v0=${hmac(Buffer.concat([Buffer.from(`v0:${at}:`), body]))}`,
      })
      expect(outcome(() => verifyHmacWebhook(slack, body, headers, SECRET, NOW))).toBe('accepted')
      expect(outcome(() => verifyHmacWebhook(slack, body, headers, SECRET, NOW + 40))).toMatch(
        /60 seconds/,
      )

      const ms = new Headers({
        'x-timestamp': String(NOW * 1000),
        'x-signature': hmac(Buffer.concat([Buffer.from(`${NOW * 1000}.`), body])),
      })
      expect(outcome(() => verifyHmacWebhook(spec, body, ms, SECRET, NOW))).toBe('accepted')
    })
  })
})
