import { describe, expect, it } from 'vitest'
import { isPatchbayError } from '../../errors.js'
import { applyPlacement } from './apply-placement.js'
import type { RequestTarget } from './apply-placement.js'

function target(): RequestTarget {
  return {
    url: new URL('https://api.x.test/v1/users?page=2'),
    headers: new Headers({ accept: 'application/json', authorization: 'Bearer stale' }),
  }
}

describe('applyPlacement', () => {
  it('renders header templates onto the request, replacing older credentials', () => {
    const out = applyPlacement(
      target(),
      { headers: { Authorization: 'Token {{apiKey}}' }, query: {} },
      [{ apiKey: 'k-1' }],
    )
    expect(out.headers.get('authorization')).toBe('Token k-1')
    expect(out.headers.get('accept')).toBe('application/json')
    expect(out.url.href).toBe('https://api.x.test/v1/users?page=2')
  })

  it('renders query templates onto the URL, keeping its other parameters', () => {
    const out = applyPlacement(
      target(),
      { headers: {}, query: { api_key: '{{apiKey}}', region: '{{settings.region}}' } },
      [{ apiKey: 'k 1&x' }, { settings: { region: 'eu' } }],
    )
    expect(out.url.searchParams.get('page')).toBe('2')
    expect(out.url.searchParams.get('api_key')).toBe('k 1&x')
    expect(out.url.searchParams.get('region')).toBe('eu')
  })

  it('does not change the request it was given', () => {
    const input = target()
    applyPlacement(
      input,
      { headers: { Authorization: 'Bearer {{accessToken}}' }, query: { t: '{{accessToken}}' } },
      [{ accessToken: 'fresh' }],
    )
    expect(input.url.href).toBe('https://api.x.test/v1/users?page=2')
    expect(input.headers.get('authorization')).toBe('Bearer stale')
  })

  it('reports a credential the placement needs but the scopes lack', () => {
    let error: unknown
    try {
      applyPlacement(target(), { headers: { 'X-Key': '{{apiKey}}' }, query: {} }, [{}])
    } catch (e) {
      error = e
    }
    expect(isPatchbayError(error, 'template_not_found')).toBe(true)
  })
})

describe('applyPlacement with a credential that would break the header line', () => {
  it.each(['k\r\nX-Injected: 1', 'k\nx', 'k\u0000x'])('refuses %j as bad_request without echoing it', (apiKey) => {
    let caught: unknown
    try {
      applyPlacement(target(), { headers: { Authorization: 'Token {{apiKey}}' }, query: {} }, [{ apiKey }])
    } catch (error) {
      caught = error
    }
    expect(isPatchbayError(caught, 'bad_request')).toBe(true)
    expect((caught as Error).message).toContain('Authorization')
    expect((caught as Error).message).not.toContain('Injected')
  })
})
