import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { defineConnector, oauth2 } from '../src/kit/index.js'
import type { SandboxClient } from '../src/sandbox/index.js'
import {
  basicHeader,
  callCapability,
  connectWithConsent,
  createRecorder,
  credentialsOf,
  expectNoSecretsShown,
  putConnector,
  putIntegration,
  registerClient,
  secretsIn,
} from './helpers/connectors.js'
import { connectViaBrowser, startHarness } from './helpers/harness.js'
import type { Harness } from './helpers/harness.js'

/** What a user observes must never contain these; filled as tests create them. */
const secrets: string[] = []
const errorBodies: unknown[] = []

function remember(credentials: Record<string, unknown>) {
  secrets.push(...secretsIn(credentials))
}

/** Authorization code connectors written in code; their JSON siblings are PUT in beforeAll. */
function codeConnectors(url: string) {
  const items = z.object({ items: z.array(z.object({ id: z.string(), name: z.string() })) })
  return [
    defineConnector({
      id: 'oauth-pkce-basic-form',
      name: 'PKCE, Basic client auth, form',
      baseUrl: url,
      settings: z.object({}),
      auth: oauth2({
        authorizationUrl: `${url}/oauth/authorize`,
        tokenUrl: `${url}/oauth/token`,
        clientAuth: 'client_secret_basic',
        tokenRequest: 'form',
        scopes: ['profile'],
        validate: '/me',
        profile: {
          request: '/me',
          accountName: (profile) => {
            const me = profile as { name: string; email: string }
            return `${me.name} <${me.email}>`
          },
          email: 'email',
        },
      }),
      capabilities: {
        list_items: {
          request: z.object({}),
          response: items,
          run: async (ctx) => items.parse(await ctx.fetchJson('/api/items')),
        },
      },
    }),
    defineConnector({
      id: 'oauth-query',
      name: 'Token parameters in the query',
      baseUrl: url,
      settings: z.object({}),
      auth: oauth2({
        authorizationUrl: `${url}/oauth/authorize`,
        tokenUrl: `${url}/oauth/token`,
        clientAuth: 'client_secret_post',
        tokenRequest: 'query',
        profile: {
          request: '/me',
          accountName: (profile) => `id:${(profile as { id: string }).id}`,
        },
      }),
    }),
    defineConnector({
      id: 'oauth-scoped',
      name: 'Comma-delimited scopes',
      baseUrl: url,
      settings: z.object({}),
      auth: oauth2({
        authorizationUrl: `${url}/oauth/authorize`,
        tokenUrl: `${url}/oauth/token`,
        scopes: ['profile', 'items:read'],
        scopeDelimiter: ',',
        authorizationParams: { access_type: 'offline', prompt: 'consent' },
        profile: { request: '/me', accountName: 'login' },
      }),
    }),
    defineConnector({
      id: 'oauth-strict',
      name: 'Validation the token cannot pass',
      baseUrl: url,
      settings: z.object({}),
      auth: oauth2({
        authorizationUrl: `${url}/oauth/authorize`,
        tokenUrl: `${url}/oauth/token`,
        // /login/me takes login tokens only, so an OAuth token is refused with a 401.
        validate: '/login/me',
        validateError: (failure) => {
          const body = failure.body as { error?: string } | null
          return failure.status === 401
            ? `Strict sandbox refused the token (${body?.error})`
            : undefined
        },
      }),
    }),
  ]
}

function jsonConnectors(url: string) {
  return {
    'oauth-json-nopkce': {
      name: 'No PKCE, client_secret_post, JSON body',
      baseUrl: url,
      settings: { type: 'object' },
      auth: {
        type: 'oauth2',
        authorizationUrl: `${url}/oauth/authorize`,
        tokenUrl: `${url}/oauth/token`,
        pkce: false,
        clientAuth: 'client_secret_post',
        tokenRequest: 'json',
        validate: '/me',
        profile: {
          request: { url: '/api/echo', method: 'POST', body: { user: { login: 'nested-login' } } },
          accountName: 'body.user.login',
        },
      },
    },
    'oauth-get': {
      name: 'Token request by GET',
      baseUrl: url,
      settings: { type: 'object' },
      auth: {
        type: 'oauth2',
        authorizationUrl: `${url}/oauth/authorize`,
        tokenUrl: `${url}/oauth/token`,
        clientAuth: 'client_secret_basic',
        tokenMethod: 'GET',
        profile: { request: '/me', accountName: 'login' },
      },
    },
    'cc-json': {
      name: 'Client credentials',
      baseUrl: url,
      settings: { type: 'object' },
      auth: {
        type: 'oauth2',
        grantType: 'client_credentials',
        tokenUrl: `${url}/oauth/token`,
        scopes: ['items:read'],
        clientAuth: 'client_secret_basic',
        validate: '/api/items',
      },
    },
  }
}

describe('OAuth 2 authorization code variants against the sandbox', () => {
  let h: Harness
  const recorder = createRecorder()
  let pkceClient: SandboxClient
  let plainClient: SandboxClient

  beforeAll(async () => {
    h = await startHarness({
      connectors: (sandbox) => codeConnectors(sandbox.url),
      runtime: { fetch: recorder.fetch },
    })
    // A client the sandbox refuses without PKCE proves the challenge is really sent.
    pkceClient = registerClient(h.sandbox, { requirePkce: true })
    plainClient = registerClient(h.sandbox)
    secrets.push(
      pkceClient.clientSecret,
      plainClient.clientSecret,
      h.sandbox.defaultClient.clientSecret,
    )
    for (const [id, json] of Object.entries(jsonConnectors(h.sandbox.url)))
      await putConnector(h, id, json)
    await putIntegration(h, 'pkce-basic-form', 'oauth-pkce-basic-form', pkceClient)
    await putIntegration(h, 'json-nopkce', 'oauth-json-nopkce', plainClient)
    await putIntegration(h, 'query', 'oauth-query', plainClient)
    await putIntegration(h, 'get', 'oauth-get', plainClient)
    await putIntegration(h, 'scoped', 'oauth-scoped', plainClient)
    await putIntegration(h, 'strict', 'oauth-strict', plainClient)
  })
  afterAll(async () => h.close())

  it('connects with PKCE S256, the client in a Basic header and a form-encoded token request', async () => {
    recorder.reset()
    const { id, authorizeUrl, status } = await connectWithConsent(h, 'pkce-basic-form')
    expect(status).toBe(200)
    expect(authorizeUrl.searchParams.get('client_id')).toBe(pkceClient.clientId)
    expect(authorizeUrl.searchParams.get('code_challenge_method')).toBe('S256')

    const [exchange] = recorder.to('/oauth/token')
    expect(exchange?.method).toBe('POST')
    expect(exchange?.headers.get('content-type')).toBe('application/x-www-form-urlencoded')
    expect(exchange?.headers.get('authorization')).toBe(
      basicHeader(pkceClient.clientId, pkceClient.clientSecret),
    )
    const form = new URLSearchParams(exchange?.body)
    expect(form.get('grant_type')).toBe('authorization_code')
    expect(form.get('code_verifier')).toMatch(/^[A-Za-z0-9_-]{43,128}$/)
    expect(form.has('client_secret')).toBe(false)

    const shown = await h.api('GET', `/connections/${id}`)
    expect(shown.body).toMatchObject({ integration: 'pkce-basic-form', status: 'active' })
    expect(shown.body.account_name).toBe('Sandbox User <user@sandbox.test>')
    const listed = await callCapability(h, id as string, 'list_items')
    expect(listed.status).toBe(200)
    expect(listed.body).toEqual({
      response: {
        items: [
          { id: '1', name: 'First' },
          { id: '2', name: 'Second' },
        ],
      },
      page: null,
      error: null,
    })
    remember(await credentialsOf(h, id as string))
  })

  it('connects without PKCE, the client in a JSON body, and names the account by a dot path', async () => {
    recorder.reset()
    const { id, authorizeUrl, status } = await connectWithConsent(h, 'json-nopkce')
    expect(status).toBe(200)
    expect(authorizeUrl.searchParams.has('code_challenge')).toBe(false)
    expect(authorizeUrl.searchParams.has('code_challenge_method')).toBe(false)

    const [exchange] = recorder.to('/oauth/token')
    expect(exchange?.method).toBe('POST')
    expect(exchange?.headers.get('content-type')).toBe('application/json')
    expect(exchange?.headers.has('authorization')).toBe(false)
    const body = JSON.parse(exchange?.body as string)
    expect(body).toMatchObject({
      grant_type: 'authorization_code',
      client_id: plainClient.clientId,
      client_secret: plainClient.clientSecret,
    })
    expect(body).not.toHaveProperty('code_verifier')

    const shown = await h.api('GET', `/connections/${id}`)
    expect(shown.body).toMatchObject({ account_name: 'nested-login', status: 'active' })
    const info = await callCapability(h, id as string, 'get_user_info')
    expect(info.body.response).toMatchObject({ account_name: 'nested-login' })

    recorder.reset()
    const old = await credentialsOf(h, id as string)
    const refreshed = await h.api('POST', `/connections/${id}/refresh`)
    expect(refreshed.status).toBe(200)
    const [refresh] = recorder.to('/oauth/token')
    expect(refresh?.headers.get('content-type')).toBe('application/json')
    expect(JSON.parse(refresh?.body as string)).toMatchObject({
      grant_type: 'refresh_token',
      refresh_token: old['refresh_token'],
      client_id: plainClient.clientId,
    })
    remember(old)
    remember(await credentialsOf(h, id as string))
  })

  it('sends token parameters in the query string of a POST when tokenRequest is query', async () => {
    recorder.reset()
    const { id, status } = await connectWithConsent(h, 'query')
    expect(status).toBe(200)
    const [exchange] = recorder.to('/oauth/token')
    expect(exchange?.method).toBe('POST')
    expect(exchange?.body).toBe('')
    expect(exchange?.url.searchParams.get('grant_type')).toBe('authorization_code')
    expect(exchange?.url.searchParams.get('client_id')).toBe(plainClient.clientId)
    expect(exchange?.url.searchParams.get('client_secret')).toBe(plainClient.clientSecret)
    expect(exchange?.url.searchParams.get('code_verifier')).toMatch(/^[A-Za-z0-9_-]{43,128}$/)
    expect((await h.api('GET', `/connections/${id}`)).body.account_name).toBe('id:u_1')
    remember(await credentialsOf(h, id as string))
  })

  it('sends the token request by GET when tokenMethod is GET, for the code and the refresh', async () => {
    recorder.reset()
    const { id, status } = await connectWithConsent(h, 'get')
    expect(status).toBe(200)
    const [exchange] = recorder.to('/oauth/token')
    expect(exchange?.method).toBe('GET')
    expect(exchange?.url.searchParams.get('grant_type')).toBe('authorization_code')
    expect(exchange?.url.searchParams.has('client_secret')).toBe(false)
    expect(exchange?.headers.get('authorization')).toBe(
      basicHeader(plainClient.clientId, plainClient.clientSecret),
    )
    expect((await h.api('GET', `/connections/${id}`)).body.account_name).toBe('sandbox-user')

    recorder.reset()
    remember(await credentialsOf(h, id as string))
    expect((await h.api('POST', `/connections/${id}/refresh`)).status).toBe(200)
    const [refresh] = recorder.to('/oauth/token')
    expect(refresh?.method).toBe('GET')
    expect(refresh?.url.searchParams.get('grant_type')).toBe('refresh_token')
    remember(await credentialsOf(h, id as string))
  })

  it('puts delimited scopes and extra authorization parameters on the authorization URL', async () => {
    const { id, authorizeUrl, status } = await connectWithConsent(h, 'scoped')
    expect(authorizeUrl.searchParams.get('scope')).toBe('profile,items:read')
    expect(authorizeUrl.searchParams.get('access_type')).toBe('offline')
    expect(authorizeUrl.searchParams.get('prompt')).toBe('consent')
    expect(authorizeUrl.searchParams.get('response_type')).toBe('code')
    expect(status).toBe(200)
    expect((await h.api('GET', `/connections/${id}`)).body.account_name).toBe('sandbox-user')
    const credentials = await credentialsOf(h, id as string)
    expect(credentials['scope']).toBe('profile,items:read')
    remember(credentials)
  })

  it("shows the connector's validateError message when validation fails, and stores nothing", async () => {
    const before = h.sandbox.stats().tokenRequests.authorization_code
    const { id, status, html } = await connectWithConsent(h, 'strict')
    expect(h.sandbox.stats().tokenRequests.authorization_code).toBe(before + 1)
    expect(id).toBeNull()
    expect(status).toBe(401)
    expect(html).toContain('Strict sandbox refused the token (invalid_token)')
    errorBodies.push(html)
    const listed = await h.api('GET', '/connections?integration=strict')
    expect(listed.body.connections).toEqual([])
  })

  it('shows no client secret or token outside /credentials', async () => {
    expect(await expectNoSecretsShown(h, secrets, errorBodies)).toBeGreaterThanOrEqual(5)
  })
})

describe('OAuth 2 refresh against the sandbox', () => {
  let h: Harness
  beforeAll(async () => {
    h = await startHarness()
    secrets.push(h.sandbox.defaultClient.clientSecret)
  })
  afterAll(async () => h.close())

  function refreshAtSandbox(refreshToken: string) {
    const client = h.sandbox.defaultClient
    return fetch(`${h.sandbox.url}/oauth/token`, {
      method: 'POST',
      headers: { authorization: basicHeader(client.clientId, client.clientSecret) },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
    })
  }

  it('rotates the refresh token on POST /refresh; the sandbox refuses the old one', async () => {
    const id = await connectViaBrowser(h)
    const before = await credentialsOf(h, id)
    const refreshes = h.sandbox.stats().tokenRequests.refresh_token

    const refreshed = await h.api('POST', `/connections/${id}/refresh`)
    expect(refreshed.status).toBe(200)
    expect(refreshed.body).toMatchObject({ id, status: 'active', last_error: null })
    expect(h.sandbox.stats().tokenRequests.refresh_token).toBe(refreshes + 1)

    const after = await credentialsOf(h, id)
    expect(after['access_token']).not.toBe(before['access_token'])
    expect(after['refresh_token']).toEqual(expect.any(String))
    expect(after['refresh_token']).not.toBe(before['refresh_token'])
    const replay = await refreshAtSandbox(before['refresh_token'])
    expect(replay.status).toBe(400)
    expect(await replay.json()).toMatchObject({ error: 'invalid_grant' })
    remember(before)
    remember(after)
  })

  it('keeps the old refresh token when the refresh response carries none', async () => {
    const id = await connectViaBrowser(h)
    const before = await credentialsOf(h, id)
    h.sandbox.setConfig({
      failNextToken: {
        status: 200,
        body: { access_token: 'replacement-access-token', token_type: 'Bearer', expires_in: 3600 },
      },
    })
    expect((await h.api('POST', `/connections/${id}/refresh`)).status).toBe(200)
    const after = await credentialsOf(h, id)
    expect(after['access_token']).toBe('replacement-access-token')
    expect(after['refresh_token']).toBe(before['refresh_token'])

    // The kept token is still good at the provider: the next refresh works and rotates it.
    expect((await h.api('POST', `/connections/${id}/refresh`)).status).toBe(200)
    const rotated = await credentialsOf(h, id)
    expect(rotated['refresh_token']).not.toBe(before['refresh_token'])
    expect((await callCapability(h, id, 'get_user_info')).status).toBe(200)
    remember(before)
    remember(rotated)
  })

  it('refreshes after a 401 and retries the capability call once', async () => {
    const id = await connectViaBrowser(h)
    const before = await credentialsOf(h, id)
    h.sandbox.expireAccessTokens()
    const stats = h.sandbox.stats().tokenRequests.refresh_token

    const answer = await callCapability(h, id, 'get_user_info')
    expect(answer.status).toBe(200)
    expect(answer.body).toMatchObject({ response: { login: 'sandbox-user' }, error: null })
    expect(h.sandbox.stats().tokenRequests.refresh_token).toBe(stats + 1)
    const after = await credentialsOf(h, id)
    expect(after['access_token']).not.toBe(before['access_token'])
    remember(before)
    remember(after)
  })

  it('marks the connection needs_reauth when the refresh token is revoked, and keeps it', async () => {
    const id = await connectViaBrowser(h)
    remember(await credentialsOf(h, id))
    h.sandbox.revokeRefreshTokens()

    const refresh = await h.api('POST', `/connections/${id}/refresh`)
    expect(refresh.status).toBe(409)
    expect(refresh.body.error.code).toBe('needs_reauth')
    errorBodies.push(refresh.body)

    const shown = await h.api('GET', `/connections/${id}`)
    expect(shown.status).toBe(200)
    expect(shown.body.status).toBe('needs_reauth')
    expect(shown.body.last_error).toEqual(expect.any(String))

    const call = await callCapability(h, id, 'get_user_info')
    expect(call.status).toBe(409)
    expect(call.body).toMatchObject({ response: null, error: { code: 'needs_reauth' } })
    errorBodies.push(call.body)
    const credentials = await h.api('GET', `/connections/${id}/credentials`)
    expect(credentials.status).toBe(409)
    expect(credentials.body.error.code).toBe('needs_reauth')
    errorBodies.push(credentials.body)

    // Authorizing again through the connect flow brings the same connection back.
    expect(await connectViaBrowser(h, 'sandbox', { connection_id: id })).toBe(id)
    expect((await h.api('GET', `/connections/${id}`)).body).toMatchObject({ status: 'active' })
    expect((await callCapability(h, id, 'get_user_info')).status).toBe(200)
    remember(await credentialsOf(h, id))
  })

  it('shows no token outside /credentials after refreshes and failures', async () => {
    await expectNoSecretsShown(h, secrets, errorBodies)
  })
})

describe('OAuth 2 refresh ahead of expiry', () => {
  let h: Harness
  // The runtime's clock, moved by the tests: no waiting for tokens to age.
  let offset = 0
  beforeAll(async () => {
    // Tokens live 60 s: the 300 s margin is capped at half that (issue 8 item 7), so a read
    // 31 s after a token was issued renews it.
    h = await startHarness({
      sandbox: { accessTokenTtl: 60 },
      runtime: { refreshMargin: 300, now: () => Math.floor(Date.now() / 1000) + offset },
    })
    await putConnector(h, 'cc-json', jsonConnectors(h.sandbox.url)['cc-json'])
    await putIntegration(h, 'cc', 'cc-json', h.sandbox.defaultClient)
  })
  afterAll(async () => h.close())

  it('returns a refreshed access token from GET /credentials', async () => {
    const id = await connectViaBrowser(h)
    const stored = await h.patchbay.connections.get(id)
    const refreshes = h.sandbox.stats().tokenRequests.refresh_token
    const early = await h.api('GET', `/connections/${id}/credentials`)
    expect(early.body.credentials.access_token).toBe(stored?.credentials['accessToken'])

    offset += 31
    const answer = await h.api('GET', `/connections/${id}/credentials`)
    expect(answer.status).toBe(200)
    expect(answer.headers.get('cache-control')).toBe('no-store')
    expect(answer.body.credentials.access_token).not.toBe(stored?.credentials['accessToken'])
    expect(answer.body.credentials.refresh_token).not.toBe(stored?.credentials['refreshToken'])
    expect(h.sandbox.stats().tokenRequests.refresh_token).toBe(refreshes + 1)
    expect(h.events).toContainEqual({ type: 'connection.refreshed', connectionId: id })
  })

  it('fetches a new client-credentials token from GET /credentials', async () => {
    const created = await h.api('POST', '/connections', { integration: 'cc' })
    expect(created.status).toBe(201)
    const stored = await h.patchbay.connections.get(created.body.id)
    const grants = h.sandbox.stats().tokenRequests.client_credentials

    offset += 31
    const credentials = await credentialsOf(h, created.body.id)
    expect(credentials['access_token']).not.toBe(stored?.credentials['accessToken'])
    expect(h.sandbox.stats().tokenRequests.client_credentials).toBe(grants + 1)
  })
})

describe('OAuth 2 client credentials against the sandbox', () => {
  let h: Harness
  let own: SandboxClient
  beforeAll(async () => {
    h = await startHarness()
    own = registerClient(h.sandbox)
    secrets.push(h.sandbox.defaultClient.clientSecret, own.clientSecret, 'not-the-right-secret')
    await putConnector(h, 'cc-json', jsonConnectors(h.sandbox.url)['cc-json'])
    await putIntegration(h, 'cc', 'cc-json', h.sandbox.defaultClient)
    await putIntegration(h, 'cc-wrong', 'cc-json', {
      ...h.sandbox.defaultClient,
      clientSecret: 'not-the-right-secret',
    })
    await putIntegration(h, 'cc-own', 'cc-json')
  })
  afterAll(async () => h.close())

  it('fetches the first token before storing the connection', async () => {
    const grants = h.sandbox.stats().tokenRequests.client_credentials
    const created = await h.api('POST', '/connections', { integration: 'cc' })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ integration: 'cc', status: 'active' })
    expect(created.body.expires_at).toBeGreaterThan(Date.now() / 1000)
    expect(h.sandbox.stats().tokenRequests.client_credentials).toBe(grants + 1)
    const credentials = await credentialsOf(h, created.body.id)
    expect(credentials).toMatchObject({ access_token: expect.any(String), scope: 'items:read' })
    // One shape for OAuth 2 tokens: a grant with no refresh token says so with null.
    expect(credentials['refresh_token']).toBeNull()
    expect(credentials['raw']).toMatchObject({ token_type: expect.any(String) })
    expect(credentials['raw']).not.toHaveProperty('access_token')
    remember(credentials)
  })

  it('refuses a wrong client secret with invalid_config and stores nothing', async () => {
    const before = (await h.api('GET', '/connections')).body.connections.length
    const created = await h.api('POST', '/connections', {
      integration: 'cc-wrong',
      connection_id: 'cc-wrong-1',
    })
    expect(created.status).toBe(400)
    expect(created.body.error.code).toBe('invalid_config')
    expect(created.body.error.message).toContain('invalid_client')
    errorBodies.push(created.body)
    expect((await h.api('GET', '/connections')).body.connections.length).toBe(before)
    expect((await h.api('GET', '/connections/cc-wrong-1')).status).toBe(404)
  })

  it("uses a connection's own client id and secret when it brings them", async () => {
    const created = await h.api('POST', '/connections', {
      integration: 'cc-own',
      auth: { client_id: own.clientId, client_secret: own.clientSecret },
    })
    expect(created.status).toBe(201)
    expect(JSON.stringify(created.body)).not.toContain(own.clientSecret)
    const credentials = await credentialsOf(h, created.body.id)
    expect(credentials['client_secret']).toBe(own.clientSecret)
    remember(credentials)
  })

  it('fetches a new token when the provider says the old one expired', async () => {
    const created = await h.api('POST', '/connections', { integration: 'cc' })
    const before = await credentialsOf(h, created.body.id)
    h.sandbox.expireAccessTokens()
    const grants = h.sandbox.stats().tokenRequests.client_credentials

    const answer = await callCapability(h, created.body.id, 'validate_credentials')
    expect(answer.status).toBe(200)
    expect(answer.body.response).toMatchObject({ valid: true })
    expect(h.sandbox.stats().tokenRequests.client_credentials).toBe(grants + 1)
    const after = await credentialsOf(h, created.body.id)
    expect(after['access_token']).not.toBe(before['access_token'])
    remember(before)
    remember(after)
  })

  it('shows no client secret or token outside /credentials', async () => {
    await expectNoSecretsShown(h, secrets, errorBodies)
  })
})
