import { describe, expect, it } from 'vitest'
import {
  basicClientAuthorization,
  buildClientCredentialsRequest,
  buildCodeExchange,
  buildRefreshRequest,
  buildTokenRequest,
} from './token-request.js'
import type { ClientCredentials, TokenEndpoint } from './token-request.js'

const endpoint: TokenEndpoint = {
  tokenUrl: 'https://acme.test/oauth/token',
  clientAuth: 'client_secret_post',
  encoding: 'form',
  method: 'POST',
}
const client: ClientCredentials = { clientId: 'client-1', clientSecret: 'secret-1' }

async function formOf(request: Request): Promise<Record<string, string>> {
  return Object.fromEntries(new URLSearchParams(await request.text()))
}

function basicPair(header: string | null): string {
  expect(header).toMatch(/^Basic /)
  return Buffer.from((header ?? '').slice('Basic '.length), 'base64').toString('utf8')
}

describe('buildTokenRequest', () => {
  it('sends client id and secret in a form body for client_secret_post', async () => {
    const request = buildTokenRequest(endpoint, client, { grant_type: 'client_credentials' })
    expect(request.method).toBe('POST')
    expect(request.url).toBe('https://acme.test/oauth/token')
    expect(request.headers.get('content-type')).toBe('application/x-www-form-urlencoded')
    expect(request.headers.get('accept')).toBe('application/json')
    expect(request.headers.has('authorization')).toBe(false)
    expect(await formOf(request)).toEqual({
      grant_type: 'client_credentials',
      client_id: 'client-1',
      client_secret: 'secret-1',
    })
  })

  it('sends a Basic header of the form-urlencoded id and secret for client_secret_basic', async () => {
    const request = buildTokenRequest(
      { ...endpoint, clientAuth: 'client_secret_basic' },
      { clientId: 'my client', clientSecret: 'se:cret with space%' },
      { grant_type: 'client_credentials' },
    )
    const pair = basicPair(request.headers.get('authorization'))
    expect(pair).toBe('my+client:se%3Acret+with+space%25')
    const [id, secret] = pair.split(':') as [string, string]
    const decode = (value: string) => decodeURIComponent(value.replace(/\+/g, ' '))
    expect(decode(id)).toBe('my client')
    expect(decode(secret)).toBe('se:cret with space%')
    const body = await formOf(request)
    expect(body).toEqual({ grant_type: 'client_credentials' })
  })

  it('falls back to sending the client id in the body for a public client', async () => {
    const request = buildTokenRequest(
      { ...endpoint, clientAuth: 'client_secret_basic' },
      { clientId: 'public', clientSecret: null },
      { grant_type: 'authorization_code', code: 'c' },
    )
    expect(request.headers.has('authorization')).toBe(false)
    expect(await formOf(request)).toEqual({
      grant_type: 'authorization_code',
      code: 'c',
      client_id: 'public',
    })
  })

  it('sends a JSON body when the provider wants JSON', async () => {
    const request = buildTokenRequest({ ...endpoint, encoding: 'json' }, client, {
      grant_type: 'client_credentials',
    })
    expect(request.method).toBe('POST')
    expect(request.headers.get('content-type')).toBe('application/json')
    expect(await request.json()).toEqual({
      grant_type: 'client_credentials',
      client_id: 'client-1',
      client_secret: 'secret-1',
    })
  })

  it('puts parameters in the query of a bodiless POST for the query encoding', async () => {
    const request = buildTokenRequest(
      { ...endpoint, tokenUrl: 'https://acme.test/token?v=2', encoding: 'query' },
      client,
      { grant_type: 'client_credentials' },
    )
    expect(request.method).toBe('POST')
    expect(request.body).toBeNull()
    const url = new URL(request.url)
    expect(Object.fromEntries(url.searchParams)).toEqual({
      v: '2',
      grant_type: 'client_credentials',
      client_id: 'client-1',
      client_secret: 'secret-1',
    })
  })

  it('puts parameters in the query when the method is GET, whatever the encoding', () => {
    const request = buildTokenRequest({ ...endpoint, method: 'GET', encoding: 'json' }, client, {
      grant_type: 'client_credentials',
    })
    expect(request.method).toBe('GET')
    expect(request.body).toBeNull()
    expect(new URL(request.url).searchParams.get('grant_type')).toBe('client_credentials')
    expect(new URL(request.url).searchParams.get('client_id')).toBe('client-1')
  })

  it('adds the endpoint’s extra parameters, grant parameters winning', async () => {
    const request = buildTokenRequest(
      { ...endpoint, extraParams: { audience: 'api', grant_type: 'wrong' } },
      client,
      { grant_type: 'client_credentials' },
    )
    expect(await formOf(request)).toMatchObject({
      audience: 'api',
      grant_type: 'client_credentials',
    })
  })
})

describe('buildTokenRequest with client_secret_query', () => {
  it('puts the client in the URL and keeps the grant in the form body', async () => {
    const request = buildTokenRequest({ ...endpoint, clientAuth: 'client_secret_query' }, client, {
      grant_type: 'client_credentials',
    })
    const url = new URL(request.url)
    expect(url.searchParams.get('client_id')).toBe('client-1')
    expect(url.searchParams.get('client_secret')).toBe('secret-1')
    expect(request.headers.has('authorization')).toBe(false)
    expect(await formOf(request)).toEqual({ grant_type: 'client_credentials' })
  })

  it('sends everything in the query string with the query encoding', async () => {
    const request = buildTokenRequest(
      { ...endpoint, clientAuth: 'client_secret_query', encoding: 'query' },
      client,
      { grant_type: 'client_credentials' },
    )
    expect(Object.fromEntries(new URL(request.url).searchParams)).toEqual({
      client_id: 'client-1',
      client_secret: 'secret-1',
      grant_type: 'client_credentials',
    })
    expect(await request.text()).toBe('')
  })
})

describe('basicClientAuthorization', () => {
  it('encodes a plain id and secret as RFC 7617 expects', () => {
    expect(basicClientAuthorization({ clientId: 'a', clientSecret: 'b' })).toBe(
      `Basic ${Buffer.from('a:b').toString('base64')}`,
    )
  })
})

describe('buildCodeExchange', () => {
  it('sends the code, redirect URI and PKCE verifier', async () => {
    const request = buildCodeExchange(endpoint, client, {
      code: 'code-1',
      redirectUri: 'http://127.0.0.1/cb',
      codeVerifier: 'verifier-1',
    })
    expect(await formOf(request)).toEqual({
      grant_type: 'authorization_code',
      code: 'code-1',
      redirect_uri: 'http://127.0.0.1/cb',
      code_verifier: 'verifier-1',
      client_id: 'client-1',
      client_secret: 'secret-1',
    })
  })

  it('sends no verifier when PKCE is off', async () => {
    const request = buildCodeExchange(endpoint, client, {
      code: 'code-1',
      redirectUri: 'http://127.0.0.1/cb',
      codeVerifier: null,
    })
    expect(await formOf(request)).not.toHaveProperty('code_verifier')
  })
})

describe('buildRefreshRequest', () => {
  it('sends the refresh token and scopes joined by the delimiter', async () => {
    const request = buildRefreshRequest(endpoint, client, {
      refreshToken: 'refresh-1',
      scopes: ['a', 'b'],
      scopeDelimiter: ',',
    })
    expect(await formOf(request)).toMatchObject({
      grant_type: 'refresh_token',
      refresh_token: 'refresh-1',
      scope: 'a,b',
    })
  })

  it('sends no scope when none is asked', async () => {
    const request = buildRefreshRequest(endpoint, client, { refreshToken: 'refresh-1' })
    expect(await formOf(request)).not.toHaveProperty('scope')
  })
})

describe('buildClientCredentialsRequest', () => {
  it('asks for the client credentials grant with space-joined scopes', async () => {
    const request = buildClientCredentialsRequest(endpoint, client, { scopes: ['x', 'y'] })
    expect(await formOf(request)).toMatchObject({ grant_type: 'client_credentials', scope: 'x y' })
  })

  it('sends no scope by default', async () => {
    const request = buildClientCredentialsRequest(endpoint, client)
    expect(await formOf(request)).not.toHaveProperty('scope')
  })
})
