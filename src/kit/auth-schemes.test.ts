import { describe, expect, it } from 'vitest'
import { apiKey, basic, oauth2 } from './auth-schemes.js'

describe('oauth2', () => {
  const minimal = {
    authorizationUrl: 'https://acme.test/oauth/authorize',
    tokenUrl: 'https://acme.test/oauth/token',
  }

  it('defaults to the authorization code grant with PKCE on', () => {
    const scheme = oauth2(minimal)
    expect(scheme).toMatchObject({
      type: 'oauth2',
      grantType: 'authorization_code',
      pkce: true,
      clientAuth: 'client_secret_post',
      tokenRequest: 'form',
      tokenMethod: 'POST',
      scopes: [],
      scopeDelimiter: ' ',
      authorizationParams: {},
      tokenParams: {},
    })
  })

  it('lets a connector turn PKCE off for a provider that rejects it', () => {
    expect(oauth2({ ...minimal, pkce: false }).pkce).toBe(false)
  })

  it('keeps declared choices over the defaults', () => {
    const scheme = oauth2({
      ...minimal,
      clientAuth: 'client_secret_basic',
      tokenRequest: 'json',
      tokenMethod: 'GET',
      scopeDelimiter: ',',
      scopes: ['a', 'b'],
      refreshBeforeExpiry: 120,
      authorizationParams: { access_type: 'offline' },
    })
    expect(scheme).toMatchObject({
      clientAuth: 'client_secret_basic',
      tokenRequest: 'json',
      tokenMethod: 'GET',
      scopeDelimiter: ',',
      scopes: ['a', 'b'],
      refreshBeforeExpiry: 120,
      authorizationParams: { access_type: 'offline' },
    })
  })

  it('sends the access token as a Bearer header unless told otherwise', () => {
    expect(oauth2(minimal).apply).toEqual({
      headers: { Authorization: 'Bearer {{accessToken}}' },
      query: {},
    })
    expect(oauth2({ ...minimal, query: { access_token: '{{accessToken}}' } }).apply).toEqual({
      headers: {},
      query: { access_token: '{{accessToken}}' },
    })
  })

  it('does not share arrays or maps with the caller', () => {
    const scopes = ['a']
    const authorizationParams = { prompt: 'consent' }
    const scheme = oauth2({ ...minimal, scopes, authorizationParams })
    scheme.scopes.push('b')
    scheme.authorizationParams['x'] = 'y'
    expect(scopes).toEqual(['a'])
    expect(authorizationParams).toEqual({ prompt: 'consent' })
  })

  it('accepts client credentials with only a token URL', () => {
    const scheme = oauth2({ grantType: 'client_credentials', tokenUrl: 'https://acme.test/token' })
    expect(scheme.grantType).toBe('client_credentials')
    expect(scheme).not.toHaveProperty('authorizationUrl')
  })

  it('refuses the authorization code grant without an authorization URL', () => {
    expect(() => oauth2({ tokenUrl: 'https://acme.test/token' })).toThrow(TypeError)
  })
})

describe('apiKey', () => {
  it('asks for one password field and sends it as a Bearer header by default', () => {
    const scheme = apiKey()
    expect(scheme.type).toBe('api_key')
    expect(scheme.fields).toEqual({
      apiKey: { type: 'password', label: 'API key', required: true },
    })
    expect(scheme.apply).toEqual({ headers: { Authorization: 'Bearer {{apiKey}}' }, query: {} })
  })

  it('puts the key as is in the header named by the header shorthand', () => {
    expect(apiKey({ header: 'X-Api-Key' }).apply).toEqual({
      headers: { 'X-Api-Key': '{{apiKey}}' },
      query: {},
    })
  })

  it('puts the key in the query parameter named by the queryParam shorthand', () => {
    expect(apiKey({ queryParam: 'api_key' }).apply).toEqual({
      headers: {},
      query: { api_key: '{{apiKey}}' },
    })
  })

  it('uses a header template as written', () => {
    expect(apiKey({ headers: { Authorization: 'Token {{apiKey}}' } }).apply).toEqual({
      headers: { Authorization: 'Token {{apiKey}}' },
      query: {},
    })
  })

  it('combines a shorthand with templates', () => {
    expect(apiKey({ header: 'X-Key', query: { v: '2' } }).apply).toEqual({
      headers: { 'X-Key': '{{apiKey}}' },
      query: { v: '2' },
    })
  })

  it('takes extra fields such as Freshdesk domain and apiKey, guessing types from names', () => {
    const scheme = apiKey({
      fields: { domain: { label: 'Domain', placeholder: 'acme' }, apiKey: {} },
      headers: { Authorization: 'Basic {{apiKey}}' },
    })
    expect(scheme.fields).toEqual({
      domain: { type: 'text', label: 'Domain', required: true, placeholder: 'acme' },
      apiKey: { type: 'password', label: 'apiKey', required: true },
    })
  })

  it('keeps optional and select fields as declared', () => {
    const options = [
      { value: 'eu', label: 'Europe' },
      { value: 'us', label: 'United States' },
    ]
    const scheme = apiKey({
      fields: { apiKey: {}, region: { type: 'select', required: false, options } },
    })
    expect(scheme.fields['region']).toEqual({
      type: 'select',
      label: 'region',
      required: false,
      options,
    })
  })

  it('does not write to the options it is given', () => {
    const headers = { 'X-Version': '2' }
    apiKey({ header: 'X-Key', headers })
    expect(headers).toEqual({ 'X-Version': '2' })
  })
})

describe('basic', () => {
  it('asks for username and password and sends them as a Basic header', () => {
    const scheme = basic()
    expect(scheme.type).toBe('basic')
    expect(scheme.fields).toEqual({
      username: { type: 'text', label: 'Username', required: true },
      password: { type: 'password', label: 'Password', required: true },
    })
    expect(scheme.apply).toEqual({ headers: { Authorization: 'Basic {{basicAuth}}' }, query: {} })
    expect(scheme).not.toHaveProperty('login')
  })

  it('sends the login token as a Bearer header when it logs in', () => {
    const login = { request: { url: '/login', method: 'POST' }, tokenPath: 'token' }
    const scheme = basic({ login })
    expect(scheme.login).toEqual(login)
    expect(scheme.apply).toEqual({ headers: { Authorization: 'Bearer {{token}}' }, query: {} })
  })

  it('uses declared placement over both defaults', () => {
    const scheme = basic({
      login: { request: '/login', tokenPath: 'token' },
      headers: { 'X-Session': '{{token}}' },
    })
    expect(scheme.apply).toEqual({ headers: { 'X-Session': '{{token}}' }, query: {} })
  })
})
