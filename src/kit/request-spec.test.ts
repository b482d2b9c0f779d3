import { describe, expect, it } from 'vitest'
import { isPatchbayError } from '../errors.js'
import { buildSpecRequest, resolveUrl } from './request-spec.js'

describe('resolveUrl', () => {
  it('keeps the base path when joining a path that starts with a slash', () => {
    expect(resolveUrl('/me', 'https://x.test/v2').href).toBe('https://x.test/v2/me')
  })

  it('joins once whether or not base and path carry slashes', () => {
    expect(resolveUrl('me', 'https://x.test/v2/').href).toBe('https://x.test/v2/me')
    expect(resolveUrl('/me', 'https://x.test/v2/').href).toBe('https://x.test/v2/me')
    expect(resolveUrl('/me', 'https://x.test').href).toBe('https://x.test/me')
  })

  it('passes an absolute URL through, ignoring the base', () => {
    expect(resolveUrl('https://other.test/a?b=1', 'https://x.test/v2').href).toBe(
      'https://other.test/a?b=1',
    )
  })

  it('keeps the query of a relative URL', () => {
    const url = resolveUrl('/users?page=2&q=a%20b', 'https://x.test/v2')
    expect(url.pathname).toBe('/v2/users')
    expect(url.searchParams.get('page')).toBe('2')
    expect(url.searchParams.get('q')).toBe('a b')
  })

  it('keeps the port of the base URL', () => {
    expect(resolveUrl('/me', 'http://127.0.0.1:8080/api').href).toBe('http://127.0.0.1:8080/api/me')
  })

  it('refuses a relative URL when the connector has no base URL', () => {
    expect(() => resolveUrl('/me', '')).toThrow(TypeError)
  })
})

describe('buildSpecRequest', () => {
  const scopes = [{ token: 'T', id: 'u 1', subdomain: 'acme', name: 'Ada' }]

  it('turns a bare URL string into a GET that accepts JSON', () => {
    const request = buildSpecRequest('/me', scopes, 'https://api.x.test/v1')
    expect(request.method).toBe('GET')
    expect(request.url).toBe('https://api.x.test/v1/me')
    expect(request.headers.get('accept')).toBe('application/json')
  })

  it('templates the URL, headers and query', () => {
    const request = buildSpecRequest(
      {
        url: 'https://{{subdomain}}.x.test/users/{{id}}',
        method: 'delete',
        headers: { Authorization: 'Bearer {{token}}', Accept: 'text/plain' },
        query: { name: '{{name}}' },
      },
      scopes,
      '',
    )
    expect(request.method).toBe('DELETE')
    const url = new URL(request.url)
    expect(url.host).toBe('acme.x.test')
    expect(url.searchParams.get('name')).toBe('Ada')
    expect(request.headers.get('authorization')).toBe('Bearer T')
    expect(request.headers.get('accept')).toBe('text/plain')
  })

  it('refuses a header value with a line break as bad_request, and encodes URL values (#8)', () => {
    const spec = { url: '/t/{{id}}', headers: { 'X-Tenant': '{{name}}' } }
    let error: unknown
    try {
      buildSpecRequest(spec, [{ id: '1', name: 'a\r\nX-Evil: 1' }], 'https://x.test')
    } catch (caught) {
      error = caught
    }
    expect(isPatchbayError(error, 'bad_request')).toBe(true)
    expect(buildSpecRequest(spec, [{ id: 'a/../b', name: 'n' }], 'https://x.test').url).toBe(
      'https://x.test/t/a%2F..%2Fb',
    )
  })

  it('adds declared query parameters to those already in the URL', () => {
    const request = buildSpecRequest(
      { url: '/search?fixed=1', query: { q: '{{name}}' } },
      scopes,
      'https://x.test',
    )
    const url = new URL(request.url)
    expect(url.searchParams.get('fixed')).toBe('1')
    expect(url.searchParams.get('q')).toBe('Ada')
  })

  it('sends a templated JSON body', async () => {
    const request = buildSpecRequest(
      { url: '/login', method: 'POST', body: { user: '{{name}}', tags: ['{{id}}'], n: 1 } },
      scopes,
      'https://x.test',
    )
    expect(request.method).toBe('POST')
    expect(request.headers.get('content-type')).toBe('application/json')
    expect(await request.json()).toEqual({ user: 'Ada', tags: ['u 1'], n: 1 })
  })

  it('sends a templated form body', async () => {
    const request = buildSpecRequest(
      {
        url: '/login',
        method: 'POST',
        bodyType: 'form',
        body: { user: '{{name}}', id: '{{id}}', n: 2 },
      },
      scopes,
      'https://x.test',
    )
    expect(request.headers.get('content-type')).toBe('application/x-www-form-urlencoded')
    const form = new URLSearchParams(await request.text())
    expect(Object.fromEntries(form)).toEqual({ user: 'Ada', id: 'u 1', n: '2' })
  })

  it('keeps a content type the spec declares', () => {
    const request = buildSpecRequest(
      {
        url: '/x',
        method: 'POST',
        headers: { 'Content-Type': 'application/vnd.api+json' },
        body: { a: 1 },
      },
      scopes,
      'https://x.test',
    )
    expect(request.headers.get('content-type')).toBe('application/vnd.api+json')
  })

  it('sends no body on a GET even when one is declared', async () => {
    const request = buildSpecRequest({ url: '/x', body: { a: 1 } }, scopes, 'https://x.test')
    expect(request.body).toBeNull()
  })

  it('refuses a form body that is not an object', () => {
    expect(() =>
      buildSpecRequest(
        { url: '/x', method: 'POST', bodyType: 'form', body: ['a'] },
        scopes,
        'https://x.test',
      ),
    ).toThrow(TypeError)
  })

  it('reports a missing template variable as template_not_found', () => {
    let error: unknown
    try {
      buildSpecRequest({ url: '/x', headers: { 'X-Key': '{{apiKey}}' } }, scopes, 'https://x.test')
    } catch (e) {
      error = e
    }
    expect(isPatchbayError(error, 'template_not_found')).toBe(true)
  })
})
