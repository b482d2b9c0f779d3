import { describe, expect, it } from 'vitest'
import { buildAuthorizationUrl, readAuthorizationCallback } from './authorize.js'
import type { AuthorizationUrlInput } from './authorize.js'

const base: AuthorizationUrlInput = {
  authorizationUrl: 'https://acme.test/oauth/authorize',
  clientId: 'client-1',
  redirectUri: 'http://127.0.0.1:3000/auth/acme/callback',
  state: 'state-123',
  scopes: ['read', 'write'],
  scopeDelimiter: ' ',
}

describe('buildAuthorizationUrl', () => {
  it('asks for a code with client, redirect, state and space-joined scopes', () => {
    const url = buildAuthorizationUrl(base)
    expect(url.origin + url.pathname).toBe('https://acme.test/oauth/authorize')
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'client-1',
      redirect_uri: 'http://127.0.0.1:3000/auth/acme/callback',
      state: 'state-123',
      scope: 'read write',
    })
  })

  it('joins scopes with a custom delimiter', () => {
    const url = buildAuthorizationUrl({ ...base, scopes: ['a', 'b', 'c'], scopeDelimiter: ',' })
    expect(url.searchParams.get('scope')).toBe('a,b,c')
    expect(url.search).toContain('scope=a%2Cb%2Cc')
  })

  it('leaves scope out when there is none', () => {
    expect(buildAuthorizationUrl({ ...base, scopes: [] }).searchParams.has('scope')).toBe(false)
  })

  it('sends the PKCE challenge with method S256', () => {
    const url = buildAuthorizationUrl({
      ...base,
      codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    })
    expect(url.searchParams.get('code_challenge')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    )
    expect(url.searchParams.get('code_challenge_method')).toBe('S256')
  })

  it('sends no PKCE parameters when PKCE is off', () => {
    const url = buildAuthorizationUrl(base)
    expect(url.searchParams.has('code_challenge')).toBe(false)
    expect(url.searchParams.has('code_challenge_method')).toBe(false)
  })

  it('adds provider-specific parameters', () => {
    const url = buildAuthorizationUrl({
      ...base,
      extraParams: { access_type: 'offline', prompt: 'consent' },
    })
    expect(url.searchParams.get('access_type')).toBe('offline')
    expect(url.searchParams.get('prompt')).toBe('consent')
  })

  it('keeps parameters already in the configured URL, ours winning on conflict', () => {
    const url = buildAuthorizationUrl({
      ...base,
      authorizationUrl: 'https://acme.test/oauth/authorize?tenant=t1&state=stale',
      extraParams: { state: 'also-stale' },
    })
    expect(url.searchParams.get('tenant')).toBe('t1')
    expect(url.searchParams.getAll('state')).toEqual(['state-123'])
  })
})

describe('readAuthorizationCallback', () => {
  it('returns the code and state of a successful redirect', () => {
    expect(readAuthorizationCallback(new URLSearchParams('code=abc&state=s1'))).toEqual({
      ok: true,
      code: 'abc',
      state: 's1',
    })
  })

  it('reports the provider’s own error and description', () => {
    const params = new URLSearchParams(
      'error=access_denied&error_description=The+user+said+no&state=s1',
    )
    expect(readAuthorizationCallback(params)).toEqual({
      ok: false,
      state: 's1',
      error: 'access_denied',
      errorDescription: 'The user said no',
    })
  })

  it('reports an error even when a code comes with it', () => {
    const result = readAuthorizationCallback(new URLSearchParams('code=abc&error=server_error'))
    expect(result).toEqual({
      ok: false,
      state: null,
      error: 'server_error',
      errorDescription: null,
    })
  })

  it('refuses a callback without a code', () => {
    expect(readAuthorizationCallback(new URLSearchParams('state=s1'))).toMatchObject({
      ok: false,
      state: 's1',
      error: 'invalid_request',
    })
  })

  it('refuses a callback without a state', () => {
    expect(readAuthorizationCallback(new URLSearchParams('code=abc'))).toMatchObject({
      ok: false,
      state: null,
      error: 'invalid_request',
    })
  })
})
