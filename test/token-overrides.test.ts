import { z } from 'zod'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defineConnector, oauth2 } from '../src/kit/index.js'
import type { Sandbox } from '../src/sandbox/index.js'
import { connectWithConsent, credentialsOf, putConnector, putIntegration, registerClient } from './helpers/connectors.js'
import { startHarness } from './helpers/harness.js'
import type { Harness } from './helpers/harness.js'

const seen = { exchange: 0, refresh: 0 }

// A provider whose token endpoint needs code to reach: the exchange and refresh are functions
// given a context whose fetch resolves against the base URL.
function functionTokenConnector(sandbox: Sandbox) {
  return defineConnector({
    id: 'fn-tokens',
    name: 'Function tokens',
    baseUrl: sandbox.url,
    settings: z.object({}),
    auth: oauth2({
      authorizationUrl: `${sandbox.url}/oauth/authorize`,
      tokenUrl: `${sandbox.url}/oauth/token`,
      pkce: false,
      profile: { request: '/me', accountName: 'login' },
      requestAccessToken: async (ctx) => {
        seen.exchange += 1
        const { code, redirectUri, clientId, clientSecret } = ctx.credentials as Record<string, string>
        const response = await ctx.fetch('/oauth/token', {
          method: 'POST',
          body: new URLSearchParams({
            grant_type: 'authorization_code',
            code: code as string,
            redirect_uri: redirectUri as string,
            client_id: clientId as string,
            client_secret: clientSecret as string,
          }),
        })
        return response.json()
      },
      refreshAccessToken: async (ctx) => {
        seen.refresh += 1
        const { refreshToken, clientId, clientSecret } = ctx.credentials as Record<string, string>
        const response = await ctx.fetch('/oauth/token', {
          method: 'POST',
          body: new URLSearchParams({
            grant_type: 'refresh_token',
            refresh_token: refreshToken as string,
            client_id: clientId as string,
            client_secret: clientSecret as string,
          }),
        })
        return response.json()
      },
    }),
  })
}

describe('token requests declared as a request object or a function', () => {
  let h: Harness
  beforeAll(async () => {
    h = await startHarness({ connectors: (sandbox) => [functionTokenConnector(sandbox)] })
  })
  afterAll(async () => h.close())

  it('exchanges the code with a templated request object from a JSON connector', async () => {
    const client = registerClient(h.sandbox)
    await putConnector(h, 'templated-token', {
      id: 'templated-token',
      name: 'Templated token request',
      baseUrl: h.sandbox.url,
      settings: { type: 'object', properties: {} },
      auth: {
        type: 'oauth2',
        authorizationUrl: `${h.sandbox.url}/oauth/authorize`,
        tokenUrl: `${h.sandbox.url}/oauth/token`,
        requestAccessToken: {
          url: '/oauth/token',
          method: 'POST',
          bodyType: 'form',
          body: {
            grant_type: 'authorization_code',
            code: '{{code}}',
            redirect_uri: '{{redirectUri}}',
            code_verifier: '{{codeVerifier}}',
            client_id: '{{clientId}}',
            client_secret: '{{clientSecret}}',
          },
        },
        profile: { request: '/me', accountName: 'email' },
      },
    })
    await putIntegration(h, 'templated-token', 'templated-token', client)
    const connected = await connectWithConsent(h, 'templated-token')
    expect(connected.status).toBe(200)
    const shown = await h.api('GET', `/connections/${connected.id}`)
    expect(shown.body.account_name).toBe('user@sandbox.test')
  })

  it('exchanges and refreshes with functions, keeping the rotated refresh token', async () => {
    const client = registerClient(h.sandbox)
    await putIntegration(h, 'fn-tokens', 'fn-tokens', client)
    const connected = await connectWithConsent(h, 'fn-tokens')
    expect(connected.status).toBe(200)
    expect(seen.exchange).toBe(1)
    const before = await credentialsOf(h, connected.id as string)
    const refreshed = await h.api('POST', `/connections/${connected.id}/refresh`)
    expect(refreshed.status).toBe(200)
    expect(seen.refresh).toBe(1)
    const after = await credentialsOf(h, connected.id as string)
    expect(after['access_token']).not.toBe(before['access_token'])
    expect(after['refresh_token']).not.toBe(before['refresh_token'])
  })
})
