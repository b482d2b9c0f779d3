import { describe, expect, it } from 'vitest'
import { isPatchbayError } from '../../errors.js'
import type { JsonValue } from '../../errors.js'
import type { LoginSpec } from '../../kit/index.js'
import { readLoginResponse } from './login.js'

const NOW = 1_700_000_000
const request = { url: '/login', method: 'POST' }

function failure(body: JsonValue, spec: LoginSpec): unknown {
  try {
    readLoginResponse(body, spec, NOW)
  } catch (error) {
    return error
  }
  throw new Error('expected readLoginResponse to fail')
}

describe('readLoginResponse', () => {
  it('reads a token at a nested path', () => {
    const body = { data: { session: { token: 'tok-1' } } }
    expect(readLoginResponse(body, { request, tokenPath: 'data.session.token' }, NOW)).toEqual({
      token: 'tok-1',
    })
  })

  it('turns a lifetime in seconds into an absolute expiry', () => {
    const spec = { request, tokenPath: 'token', expiresInPath: 'meta.ttl' }
    expect(readLoginResponse({ token: 't', meta: { ttl: 900 } }, spec, NOW)).toEqual({
      token: 't',
      expiresAt: NOW + 900,
    })
    expect(readLoginResponse({ token: 't', meta: { ttl: '900' } }, spec, NOW).expiresAt).toBe(
      NOW + 900,
    )
  })

  it('reads the lifetime in the declared unit', () => {
    const spec = { request, tokenPath: 'token', expiresInPath: 'ttl', expiresInUnit: 'minutes' as const }
    expect(readLoginResponse({ token: 't', ttl: 15 }, spec, NOW).expiresAt).toBe(NOW + 900)
  })

  it('leaves the expiry out when the lifetime is absent or not positive', () => {
    const spec = { request, tokenPath: 'token', expiresInPath: 'ttl' }
    const bodies: JsonValue[] = [
      { token: 't' },
      { token: 't', ttl: 0 },
      { token: 't', ttl: 'never' },
    ]
    for (const body of bodies) {
      expect(readLoginResponse(body, spec, NOW)).toEqual({ token: 't' })
    }
  })

  it('reads an absolute expiry in epoch seconds', () => {
    const spec = { request, tokenPath: 'token', expiresAtPath: 'expires' }
    expect(readLoginResponse({ token: 't', expires: 1_700_003_600 }, spec, NOW).expiresAt).toBe(
      1_700_003_600,
    )
    expect(readLoginResponse({ token: 't', expires: '1700003600' }, spec, NOW).expiresAt).toBe(
      1_700_003_600,
    )
  })

  it('reads an absolute expiry in epoch milliseconds', () => {
    const spec = { request, tokenPath: 'token', expiresAtPath: 'expires' }
    expect(readLoginResponse({ token: 't', expires: 1_700_003_600_500 }, spec, NOW).expiresAt).toBe(
      1_700_003_600,
    )
    expect(readLoginResponse({ token: 't', expires: '1700003600500' }, spec, NOW).expiresAt).toBe(
      1_700_003_600,
    )
  })

  it('reads an absolute expiry as an ISO date', () => {
    const spec = { request, tokenPath: 'token', expiresAtPath: 'session.expires_at' }
    const body = { token: 't', session: { expires_at: '2023-11-14T23:13:20Z' } }
    expect(readLoginResponse(body, spec, NOW).expiresAt).toBe(1_700_003_600)
  })

  it('leaves the expiry out when the absolute expiry cannot be read', () => {
    const spec = { request, tokenPath: 'token', expiresAtPath: 'expires' }
    for (const expires of ['', 'tomorrow-ish', null, true]) {
      expect(readLoginResponse({ token: 't', expires }, spec, NOW)).toEqual({ token: 't' })
    }
  })

  it('refuses a login response without a token where the connector says', () => {
    const spec = { request, tokenPath: 'data.token' }
    const bodies: JsonValue[] = [
      { data: {} },
      { data: { token: '' } },
      { data: { token: 42 } },
      null,
      'ok',
    ]
    for (const body of bodies) {
      expect(isPatchbayError(failure(body, spec), 'invalid_response')).toBe(true)
    }
  })

  it('does not put the response body into the error', () => {
    const error = failure({ tokn: 'secret-token-value' }, { request, tokenPath: 'token' })
    expect(isPatchbayError(error, 'invalid_response')).toBe(true)
    expect(JSON.stringify(error) + (error as Error).message).not.toContain('secret-token-value')
  })

  it("reads Appmixer's one `expires` field as seconds, or else as a date", () => {
    const spec = { request, tokenPath: 'token', expiresInPath: 'expires', expiresAtPath: 'expires' }
    expect(readLoginResponse({ token: 't', expires: 600 }, spec, NOW).expiresAt).toBe(NOW + 600)
    const at = readLoginResponse({ token: 't', expires: '2030-01-01T00:00:00Z' }, spec, NOW)
    expect(at.expiresAt).toBe(Date.parse('2030-01-01T00:00:00Z') / 1000)
  })
})
