import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { isPatchbayError } from '../errors.js'
import { fromAppmixer, InvalidTokenError, requestOf } from './appmixer.js'
import type { AppmixerModule } from './appmixer.js'
import { defineConnector } from './define-connector.js'
import { connectorFromJson } from './json-connector.js'
import type { ProviderContext } from './types.js'

const ctx = (credentials: Record<string, string>): ProviderContext => ({
  settings: {},
  credentials,
  baseUrl: 'https://api.acme.test',
  fetch: async () => new Response('{}'),
})

describe('fromAppmixer', () => {
  it('maps auth fields: type, name as label, tooltip', () => {
    const scheme = fromAppmixer({
      type: 'apiKey',
      definition: {
        auth: {
          domain: { type: 'text', name: 'Domain', tooltip: 'Your subdomain' },
          apiKey: { type: 'password', name: 'API Key' },
        },
      },
    })
    expect(scheme.type === 'api_key' && scheme.fields).toEqual({
      domain: { type: 'text', label: 'Domain', tooltip: 'Your subdomain', required: true },
      apiKey: { type: 'password', label: 'API Key', required: true },
    })
  })

  it('calls a definition function with the context', () => {
    let got: unknown
    fromAppmixer(
      {
        type: 'oauth2',
        definition: (context) => {
          got = context
          return { authUrl: 'https://a.test/authorize', requestAccessToken: 'https://a.test/token' }
        },
      },
      { clientId: 'c1', callbackUrl: 'https://pb.test/auth/a/callback' },
    )
    expect(got).toEqual({ clientId: 'c1', callbackUrl: 'https://pb.test/auth/a/callback' })
  })

  it('takes requestProfileInfo as a URL string, a request object, or a function', async () => {
    const asString = fromAppmixer({
      type: 'apiKey',
      definition: { requestProfileInfo: '/me', accountNameFromProfileInfo: 'contact.email' },
    })
    expect(asString.profile).toEqual({ request: '/me', accountName: 'contact.email' })

    const asObject = fromAppmixer({
      type: 'oauth2',
      definition: {
        authUrl: 'https://a.test/authorize',
        requestAccessToken: 'https://a.test/token',
        requestProfileInfo: { uri: '/me', qs: { v: '2' }, auth: { bearer: '{{accessToken}}' } },
        emailFromProfileInfo: 'mail',
      },
    })
    expect(asObject.profile).toEqual({
      request: {
        url: '/me',
        query: { v: '2' },
        headers: { Authorization: 'Bearer {{accessToken}}' },
      },
      email: 'mail',
    })

    const asFunction = fromAppmixer({
      type: 'apiKey',
      definition: {
        requestProfileInfo: (context) => ({ who: context['apiKey'], domain: context['domain'] }),
        accountNameFromProfileInfo: (context) => (context['profileInfo'] as { who: string }).who,
      },
    })
    const request = asFunction.profile!.request as (c: ProviderContext) => Promise<unknown>
    const profile = await request(ctx({ apiKey: 'k', domain: 'acme' }))
    expect(profile).toEqual({ who: 'k', domain: 'acme' })
    const picker = asFunction.profile!.accountName as (p: unknown) => string
    expect(picker(profile)).toBe('k')
  })

  it('reads the account name from the auth fields when there is no requestProfileInfo', async () => {
    const scheme = fromAppmixer({
      type: 'apiKey',
      definition: { accountNameFromProfileInfo: 'appId' },
    })
    const request = scheme.profile!.request as (c: ProviderContext) => unknown
    expect(await request(ctx({ appId: 'app-1', apiKey: 'k' }))).toMatchObject({ appId: 'app-1' })
  })

  it("puts validateErrCallback's thrown or returned message in validateError", () => {
    const scheme = fromAppmixer({
      type: 'apiKey',
      definition: {
        validate: '/me',
        validateErrCallback: (err: any) => {
          if (err.nested?.message) throw new Error(err.nested.message)
          if (err.status === 403) return 'Forbidden here'
          throw err
        },
      },
    })
    expect(scheme.validate).toBe('/me')
    expect(scheme.validateError!({ status: 401, body: { nested: { message: 'Bad key' } } })).toBe(
      'Bad key',
    )
    expect(scheme.validateError!({ status: 403, body: null })).toBe('Forbidden here')
    expect(scheme.validateError!({ status: 500, body: 'oops' })).toBeUndefined()
  })

  it("turns pwd's requestAccessToken into a login reading { token, expires }", async () => {
    const expires = new Date('2030-01-01T00:00:00Z')
    const scheme = fromAppmixer({
      type: 'pwd',
      definition: { requestAccessToken: () => ({ token: 't', expires }) },
    })
    if (scheme.type !== 'basic' || !scheme.login) throw new Error('expected a login')
    expect(scheme.login).toMatchObject({
      tokenPath: 'token',
      expiresInPath: 'expires',
      expiresAtPath: 'expires',
    })
    const request = scheme.login.request as (c: ProviderContext) => Promise<unknown>
    expect(await request(ctx({ username: 'u', password: 'p' }))).toEqual({
      token: 't',
      expires: '2030-01-01T00:00:00.000Z',
    })
    expect(scheme.fields).toHaveProperty('password')
  })

  it('maps OAuth 2: scope, comma by default, refreshBeforeExp in minutes, refresh URL, no PKCE for code', async () => {
    const scheme = fromAppmixer({
      type: 'oauth2',
      definition: {
        authUrl: 'https://a.test/authorize',
        requestAccessToken: {
          url: 'https://a.test/token',
          method: 'post',
          form: { code: '{{authorizationCode}}', redirect_uri: '{{callbackUrl}}' },
        },
        refreshAccessToken: 'https://a.test/refresh',
        scope: 'read,write',
        refreshBeforeExp: 2,
      },
    })
    if (scheme.type !== 'oauth2') throw new Error('expected oauth2')
    expect(scheme).toMatchObject({
      authorizationUrl: 'https://a.test/authorize',
      tokenUrl: 'https://a.test/refresh',
      scopes: ['read', 'write'],
      scopeDelimiter: ',',
      refreshBeforeExpiry: 120,
      pkce: false,
      requestAccessToken: {
        url: 'https://a.test/token',
        method: 'POST',
        bodyType: 'form',
        body: { code: '{{code}}', redirect_uri: '{{redirectUri}}' },
      },
    })
    const seconds = fromAppmixer({
      type: 'oauth2',
      definition: {
        authUrl: 'https://a.test/authorize',
        requestAccessToken: 'https://a.test/token',
        refreshAccessToken: 'https://a.test/refresh',
        scope: ['a', 'b'],
        scopeDelimiter: ' ',
        refreshBeforeExp: 30,
        refreshBeforeExpUnits: 'seconds',
      },
    })
    expect(seconds).toMatchObject({
      tokenUrl: 'https://a.test/token',
      refreshUrl: 'https://a.test/refresh',
      scopes: ['a', 'b'],
      scopeDelimiter: ' ',
      refreshBeforeExpiry: 30,
      pkce: true,
    })
  })

  it("reads an OAuth 2 token function's { accessToken, refreshToken, accessTokenExpDate }", async () => {
    const scheme = fromAppmixer({
      type: 'oauth2',
      definition: {
        authUrl: 'https://a.test/authorize',
        requestAccessToken: (context) => ({
          accessToken: `at-for-${String(context['authorizationCode'])}`,
          refreshToken: 'rt',
          accessTokenExpDate: new Date(2_000_000_000_000),
        }),
      },
    })
    if (scheme.type !== 'oauth2' || typeof scheme.requestAccessToken !== 'function') {
      throw new Error('expected a token function')
    }
    expect(await scheme.requestAccessToken(ctx({ code: 'c1' }))).toEqual({
      access_token: 'at-for-c1',
      refresh_token: 'rt',
      expires_at: 2_000_000_000_000,
    })
    expect(scheme.tokenResponse).toEqual({ expiresAt: 'expires_at' })
  })

  it('maps OAuth 1: URL strings to endpoints, validateAccessToken to validate, objects refused', () => {
    const scheme = fromAppmixer({
      type: 'oauth',
      definition: {
        requestRequestToken: 'https://t.test/request',
        authUrl: 'https://t.test/authorize?oauth_token={{requestToken}}',
        requestAccessToken: 'https://t.test/access',
        validateAccessToken: { url: '/tokens/{{accessToken}}' },
      },
    })
    expect(scheme).toMatchObject({
      type: 'oauth1',
      requestTokenUrl: 'https://t.test/request',
      authorizationUrl: 'https://t.test/authorize?oauth_token={{requestToken}}',
      accessTokenUrl: 'https://t.test/access',
      validate: { url: '/tokens/{{token}}' },
    })
    expect(() =>
      fromAppmixer({
        type: 'oauth',
        definition: {
          requestRequestToken: { url: 'https://t.test/request' },
          authUrl: 'https://t.test/authorize',
          requestAccessToken: 'https://t.test/access',
        },
      }),
    ).toThrow(TypeError)
  })

  it('makes InvalidTokenError a needs_reauth PatchbayError', () => {
    expect(isPatchbayError(new InvalidTokenError('gone'), 'needs_reauth')).toBe(true)
  })

  it('lifts connectAccountButton to the connector; JSON connectors take connectButton', () => {
    const module: AppmixerModule = {
      type: 'oauth2',
      definition: {
        authUrl: 'https://g.test/authorize',
        requestAccessToken: 'https://g.test/token',
        connectAccountButton: { image: 'data:image/png;base64,AAAA' },
      },
    }
    const connector = defineConnector({
      id: 'g',
      name: 'G',
      settings: z.object({}),
      auth: fromAppmixer(module),
    })
    expect(connector.connectButton).toEqual({ image: 'data:image/png;base64,AAAA' })
    const json = connectorFromJson({
      id: 'g-json',
      name: 'G',
      settings: { type: 'object' },
      auth: { type: 'api_key' },
      connectButton: { label: 'Sign in with G' },
    })
    expect(json.connectButton).toEqual({ label: 'Sign in with G' })
  })

  it('refuses unknown units and request objects with basic auth', () => {
    expect(() =>
      fromAppmixer({
        type: 'oauth2',
        definition: {
          authUrl: 'https://a.test/a',
          requestAccessToken: 'https://a.test/t',
          refreshBeforeExp: 1,
          refreshBeforeExpUnits: 'weeks' as 'days',
        },
      }),
    ).toThrow(TypeError)
    expect(() => requestOf({ url: '/me', auth: { user: 'u' } as never })).toThrow(TypeError)
  })
})
