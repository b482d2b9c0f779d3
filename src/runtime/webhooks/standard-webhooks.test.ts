import { randomBytes } from 'node:crypto'
import { Webhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import {
  formatWebhookSecret,
  isWebhookSecret,
  signWebhook,
  webhookHeaders,
  webhookSigningKey,
} from './standard-webhooks.js'

describe('Standard Webhooks signing', () => {
  it('makes whsec_ secrets the reference library accepts', () => {
    const secret = formatWebhookSecret(randomBytes(32))
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/)
    expect(webhookSigningKey(secret)).toHaveLength(32)
    expect(() => new Webhook(secret)).not.toThrow()
  })

  it('signs messages that the reference library verifies', () => {
    const secret = formatWebhookSecret(randomBytes(32))
    const body = JSON.stringify({ type: 'connection.created', data: { note: 'é ✓' } })
    const headers = webhookHeaders(secret, 'msg_1', Math.floor(Date.now() / 1000), body)
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body))
  })

  it('matches the reference library signature byte for byte', () => {
    const secret = formatWebhookSecret(randomBytes(24))
    const at = 1_700_000_000
    expect(signWebhook(secret, 'msg_2', at, '{"a":1}')).toBe(
      new Webhook(secret).sign('msg_2', new Date(at * 1000), '{"a":1}'),
    )
  })

  it('is refused by the reference library when the body or the id changes', () => {
    const secret = formatWebhookSecret(randomBytes(32))
    const now = Math.floor(Date.now() / 1000)
    const headers = webhookHeaders(secret, 'msg_3', now, '{"a":1}')
    expect(() => new Webhook(secret).verify('{"a":2}', headers)).toThrow()
    expect(() =>
      new Webhook(secret).verify('{"a":1}', { ...headers, 'webhook-id': 'msg_4' }),
    ).toThrow()
  })

  it('refuses secrets that are not whsec_ and 24 to 64 bytes, without echoing them', () => {
    for (const bad of [
      'plain-secret-value',
      `whsec_${randomBytes(16).toString('base64')}`,
      `whsec_${randomBytes(65).toString('base64')}`,
      'whsec_not base64!!',
    ]) {
      expect(isWebhookSecret(bad)).toBe(false)
      const error = (() => {
        try {
          webhookSigningKey(bad)
        } catch (e) {
          return e as Error
        }
        return null
      })()
      expect(error).toBeInstanceOf(TypeError)
      expect(error?.message).not.toContain(bad)
    }
    expect(() => formatWebhookSecret(randomBytes(8))).toThrow(TypeError)
  })
})
