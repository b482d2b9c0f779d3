import { z } from 'zod'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defineConnector, oauth2 } from '../src/kit/index.js'
import type { Connector } from '../src/kit/index.js'
import type { Sandbox, SandboxQuirks } from '../src/sandbox/index.js'
import {
  callCapability,
  connectViaApi,
  credentialsOf,
  putConnector,
  putIntegration,
  registerClient,
} from './helpers/connectors.js'
import { startHarness } from './helpers/harness.js'
import type { Harness } from './helpers/harness.js'

// Provider quirks (issue 5 §3): each is declared in a connector, TypeScript or JSON, and tested
// end to end against a sandbox client held to the matching mode (SandboxQuirks), through the
// HTTP server.

const NO_SETTINGS = { type: 'object', properties: {} }

/** A TypeScript connector with a capability per scope, for the scope union. */
function scopedConnector(sandbox: Sandbox): Connector {
  const noop = { request: z.object({}), response: z.object({}), run: async () => ({}) }
  return defineConnector({
    id: 'q-scopes',
    name: 'Scopes per capability',
    baseUrl: sandbox.url,
    settings: z.object({}),
    auth: oauth2({
      authorizationUrl: `${sandbox.url}/oauth/authorize`,
      tokenUrl: `${sandbox.url}/oauth/token`,
      scopes: ['read'],
      scopeDelimiter: ',',
      profile: { request: '/me', accountName: 'login' },
    }),
    capabilities: {
      write_things: { ...noop, scopes: ['write'] },
      administer_things: { ...noop, scopes: ['admin', 'read'] },
    },
  })
}

/** Slack v2-style nesting, declared with the TypeScript builder. */
function nestedConnector(sandbox: Sandbox): Connector {
  return defineConnector({
    id: 'q-nested',
    name: 'Nested tokens',
    baseUrl: sandbox.url,
    settings: z.object({}),
    auth: oauth2({
      authorizationUrl: `${sandbox.url}/oauth/authorize`,
      tokenUrl: `${sandbox.url}/oauth/token`,
      scopes: ['chat:write'],
      tokenResponse: {
        accessToken: 'authed_user.access_token',
        refreshToken: 'authed_user.refresh_token',
        expiresIn: 'authed_user.expires_in',
        tokenType: 'authed_user.token_type',
        scope: 'authed_user.scope',
      },
      profile: { request: '/me', accountName: 'login' },
    }),
  })
}

/** Refreshes 30 minutes ahead, declared with the builder's units. */
function unitsConnector(sandbox: Sandbox): Connector {
  return defineConnector({
    id: 'q-units-ts',
    name: 'Refresh timing in minutes',
    baseUrl: sandbox.url,
    settings: z.object({}),
    auth: oauth2({
      authorizationUrl: `${sandbox.url}/oauth/authorize`,
      tokenUrl: `${sandbox.url}/oauth/token`,
      refreshBeforeExpiry: { value: 30, unit: 'minutes' },
      profile: { request: '/me', accountName: 'login' },
    }),
  })
}

describe('provider quirks, declared not coded', () => {
  let h: Harness
  let seq = 0

  beforeAll(async () => {
    h = await startHarness({
      sandbox: { autoApprove: true, accessTokenTtl: 3600 },
      connectors: (sandbox) => [
        scopedConnector(sandbox),
        nestedConnector(sandbox),
        unitsConnector(sandbox),
      ],
    })
  })
  afterAll(async () => h.close())

  /**
   * Registers a sandbox client held to `quirks`, a JSON connector with `auth` over the sandbox
   * defaults, and an integration of the two; returns the integration id.
   */
  async function jsonSetup(
    quirks: SandboxQuirks | undefined,
    auth: Record<string, unknown>,
    extra: Record<string, unknown> = {},
  ) {
    const id = `q-${++seq}`
    const client = registerClient(h.sandbox, quirks ? { quirks } : {})
    await putConnector(h, id, {
      id,
      name: `Quirk ${seq}`,
      baseUrl: h.sandbox.url,
      settings: NO_SETTINGS,
      auth: {
        type: 'oauth2',
        authorizationUrl: `${h.sandbox.url}/oauth/authorize`,
        tokenUrl: `${h.sandbox.url}/oauth/token`,
        profile: { request: '/me', accountName: 'login' },
        ...auth,
      },
      ...extra,
    })
    await putIntegration(h, id, id, client)
    return { integration: id, client }
  }

  async function connectionsOf(integration: string): Promise<unknown[]> {
    return (await h.api('GET', `/connections?integration=${integration}`)).body.connections
  }

  /** Expects the connect flow to fail with `words` on the page and nothing stored. */
  async function expectRefused(
    integration: string,
    words: string[],
    settings?: Record<string, unknown>,
  ) {
    const flow = await connectViaApi(h, integration, settings)
    expect(flow.id).toBeNull()
    expect(flow.status).toBeGreaterThanOrEqual(400)
    for (const word of words) expect(flow.html).toContain(word)
    expect(await connectionsOf(integration)).toEqual([])
    return flow
  }

  async function expectConnected(integration: string, settings?: Record<string, unknown>) {
    const flow = await connectViaApi(h, integration, settings)
    expect(flow.html).toContain('sandbox-user')
    expect(flow.id).toMatch(/^conn_/)
    return { ...flow, id: flow.id as string }
  }

  function refreshCount(): number {
    return h.sandbox.stats().tokenRequests.refresh_token
  }

  describe('token endpoint client authentication: Basic header, POST body or query string', () => {
    const styles = [
      { style: 'basic', clientAuth: 'client_secret_basic', wrong: 'client_secret_post' },
      { style: 'post', clientAuth: 'client_secret_post', wrong: 'client_secret_query' },
      { style: 'query', clientAuth: 'client_secret_query', wrong: 'client_secret_basic' },
    ] as const

    it.each(styles)(
      'connects and refreshes with a client that requires $style when the connector says $clientAuth',
      async ({ style, clientAuth }) => {
        const { integration } = await jsonSetup({ tokenAuth: style }, { clientAuth })
        const { id } = await expectConnected(integration)
        const refreshed = await h.api('POST', `/connections/${id}/refresh`)
        expect(refreshed.status).toBe(200)
        expect(refreshed.body.status).toBe('active')
      },
    )

    it.each(styles)(
      'is refused by a client that requires $style when the connector says $wrong, storing nothing',
      async ({ style, wrong }) => {
        const { integration } = await jsonSetup({ tokenAuth: style }, { clientAuth: wrong })
        await expectRefused(integration, ['invalid_client', 'This client authenticates with'])
      },
    )

    it('puts everything in the query string, Asana-style, with tokenRequest query', async () => {
      const { integration } = await jsonSetup(
        { tokenAuth: 'query', tokenEncoding: 'query' },
        { clientAuth: 'client_secret_post', tokenRequest: 'query' },
      )
      const { id } = await expectConnected(integration)
      expect((await h.api('POST', `/connections/${id}/refresh`)).status).toBe(200)
    })
  })

  describe('token request encoding and method', () => {
    it('sends a JSON body to a client that requires one, and a form body is refused', async () => {
      const json = await jsonSetup({ tokenEncoding: 'json' }, { tokenRequest: 'json' })
      await expectConnected(json.integration)
      const form = await jsonSetup({ tokenEncoding: 'json' }, { tokenRequest: 'form' })
      await expectRefused(form.integration, ['must come in a JSON body'])
    })

    it('uses GET for the code and the refresh when tokenMethod is GET, and POST is refused', async () => {
      const get = await jsonSetup({ tokenMethod: 'GET' }, { tokenMethod: 'GET' })
      const { id } = await expectConnected(get.integration)
      expect((await h.api('POST', `/connections/${id}/refresh`)).status).toBe(200)
      const post = await jsonSetup({ tokenMethod: 'GET' }, {})
      await expectRefused(post.integration, ['takes GET only'])
    })
  })

  describe('token response nested or renamed, read by declared paths', () => {
    it('reads Slack-style tokens nested in authed_user, on connect and on refresh', async () => {
      const client = registerClient(h.sandbox, { quirks: { responseShape: 'nested' } })
      await putIntegration(h, 'q-nested', 'q-nested', client)
      const before = Math.floor(Date.now() / 1000)
      const { id } = await expectConnected('q-nested')
      const shown = (await h.api('GET', `/connections/${id}`)).body
      expect(shown.expires_at).toBeGreaterThanOrEqual(before + 3600)
      const first = await credentialsOf(h, id)
      expect(first['refresh_token']).toEqual(expect.any(String))
      expect(first['scope']).toBe('chat:write')

      expect((await h.api('POST', `/connections/${id}/refresh`)).status).toBe(200)
      const second = await credentialsOf(h, id)
      expect(second['access_token']).not.toBe(first['access_token'])
      expect(second['refresh_token']).not.toBe(first['refresh_token'])
      expect((await callCapability(h, id, 'get_user_info')).body.error).toBeNull()
    })

    it('reads renamed fields declared in a JSON connector', async () => {
      const { integration } = await jsonSetup(
        { responseShape: 'renamed' },
        {
          tokenResponse: {
            accessToken: 'accessToken',
            refreshToken: 'refreshToken',
            expiresIn: 'expiresIn',
            tokenType: 'tokenType',
            scope: 'scopes',
          },
        },
      )
      const { id } = await expectConnected(integration)
      expect((await credentialsOf(h, id))['refresh_token']).toEqual(expect.any(String))
      expect((await h.api('POST', `/connections/${id}/refresh`)).status).toBe(200)
      expect((await callCapability(h, id, 'get_user_info')).body.error).toBeNull()
    })

    it('refuses a nested response when the connector declares no paths, storing nothing', async () => {
      const { integration } = await jsonSetup({ responseShape: 'nested' }, {})
      await expectRefused(integration, ['no access_token'])
    })
  })

  describe('expiry given as expires_in, expires_at, or not at all', () => {
    it.each([
      { expiry: 'expires_in', declared: {} },
      { expiry: 'expires_at', declared: { tokenResponse: { expiresAt: 'expires_at' } } },
      { expiry: 'expires_at_iso', declared: { tokenResponse: { expiresAt: 'expires_at' } } },
    ] as const)('stores the expiry the provider tells as $expiry', async ({ expiry, declared }) => {
      const { integration } = await jsonSetup({ expiry }, declared)
      const before = Math.floor(Date.now() / 1000)
      const { id } = await expectConnected(integration)
      const after = Math.floor(Date.now() / 1000)
      const shown = (await h.api('GET', `/connections/${id}`)).body
      expect(shown.expires_at).toBeGreaterThanOrEqual(before + 3600)
      expect(shown.expires_at).toBeLessThanOrEqual(after + 3600)
    })

    it('never refreshes ahead a token with no expiry, and refreshes it once on a 401', async () => {
      const { integration } = await jsonSetup({ expiry: 'none' }, {})
      const { id } = await expectConnected(integration)
      expect((await h.api('GET', `/connections/${id}`)).body.expires_at).toBeNull()
      const refreshes = refreshCount()
      const first = await credentialsOf(h, id)
      expect(refreshCount()).toBe(refreshes)

      h.sandbox.expireAccessTokens()
      const call = await callCapability(h, id, 'get_user_info')
      expect(call.status).toBe(200)
      expect(call.body.response.account_name).toBe('sandbox-user')
      expect(refreshCount()).toBe(refreshes + 1)
      expect((await credentialsOf(h, id))['access_token']).not.toBe(first['access_token'])
    })
  })

  describe('authorization and token URLs templated from settings', () => {
    const tenantSettings = {
      type: 'object',
      properties: { host: { type: 'string', format: 'uri' }, tenant: { type: 'string' } },
      required: ['host', 'tenant'],
    }

    async function tenantSetup() {
      const on = '{{host}}/tenants/{{tenant}}'
      return jsonSetup(
        { tenant: 'acme' },
        { authorizationUrl: `${on}/oauth/authorize`, tokenUrl: `${on}/oauth/token` },
        { baseUrl: on, settings: tenantSettings, allowHttp: 'loopback' },
      )
    }

    it("connects on the tenant's own URLs from the settings given at the start, and refreshes there", async () => {
      const { integration } = await tenantSetup()
      const host = new URL(h.sandbox.url).origin
      const { id, authorizeUrl } = await expectConnected(integration, { host, tenant: 'acme' })
      expect(authorizeUrl.origin).toBe(host)
      expect(authorizeUrl.pathname).toBe('/tenants/acme/oauth/authorize')
      const shown = (await h.api('GET', `/connections/${id}`)).body
      expect(shown.settings).toEqual({ host, tenant: 'acme' })
      // The sandbox knows this client only under /tenants/acme: the refresh went there too.
      const refreshes = refreshCount()
      expect((await h.api('POST', `/connections/${id}/refresh`)).status).toBe(200)
      expect(refreshCount()).toBe(refreshes + 1)
      expect((await callCapability(h, id, 'get_user_info')).body.error).toBeNull()
    })

    it('sends another tenant to its own URLs, where the provider does not know the client', async () => {
      const { integration } = await tenantSetup()
      const host = new URL(h.sandbox.url).origin
      const settings = encodeURIComponent(JSON.stringify({ host, tenant: 'other' }))
      const start = await fetch(`${h.server.url}/auth/${integration}/start?settings=${settings}`, {
        redirect: 'manual',
        headers: { authorization: `Bearer ${h.apiKey}` },
      })
      expect(start.status).toBe(302)
      const authorize = new URL(start.headers.get('location') as string)
      expect(authorize.pathname).toBe('/tenants/other/oauth/authorize')
      const page = await fetch(authorize, { redirect: 'manual' })
      expect(page.status).toBe(400)
      expect(await page.text()).toContain('Unknown client_id')
    })

    it('refuses to start without the settings the URLs need', async () => {
      const { integration } = await tenantSetup()
      const start = await fetch(`${h.server.url}/auth/${integration}/start`, {
        redirect: 'manual',
        headers: { authorization: `Bearer ${h.apiKey}` },
      })
      expect(start.status).toBe(400)
      const settings = encodeURIComponent('[1, 2]')
      const bad = await fetch(`${h.server.url}/auth/${integration}/start?settings=${settings}`, {
        redirect: 'manual',
        headers: { authorization: `Bearer ${h.apiKey}` },
      })
      expect(bad.status).toBe(400)
      expect(await bad.text()).toContain('settings must be a JSON object')
    })
  })

  describe('scopes per capability, unioned at authorization', () => {
    const quirks: SandboxQuirks = {
      scopeDelimiter: ',',
      requiredScopes: ['read', 'write', 'admin'],
    }

    it("asks for the connector's and every capability's scopes, joined by its delimiter", async () => {
      const client = registerClient(h.sandbox, { quirks })
      await putIntegration(h, 'q-scopes', 'q-scopes', client)
      const { id, authorizeUrl } = await expectConnected('q-scopes')
      expect(authorizeUrl.searchParams.get('scope')).toBe('read,write,admin')
      expect((await credentialsOf(h, id))['scope']).toBe('read,write,admin')
    })

    it('is refused by the provider when an integration narrows the scopes below what it requires', async () => {
      const client = registerClient(h.sandbox, { quirks })
      const put = await h.api('PUT', '/integrations/q-scopes-narrow', {
        connector: 'q-scopes',
        client_id: client.clientId,
        client_secret: client.clientSecret,
        scopes: ['read'],
      })
      expect(put.status).toBe(200)
      const flow = await expectRefused('q-scopes-narrow', [
        'invalid_scope',
        'The scope must include write, admin',
      ])
      expect(flow.authorizeUrl.searchParams.get('scope')).toBe('read')
    })
  })

  describe('extra token parameters', () => {
    it('sends tokenParams on the code exchange and on every refresh', async () => {
      const { integration } = await jsonSetup(
        { requireTokenParams: { audience: 'api' } },
        { tokenParams: { audience: 'api' } },
      )
      const { id } = await expectConnected(integration)
      expect((await h.api('POST', `/connections/${id}/refresh`)).status).toBe(200)
      expect((await h.api('POST', `/connections/${id}/refresh`)).status).toBe(200)
    })

    it("fails with the provider's words when the connector leaves them out, storing nothing", async () => {
      const { integration } = await jsonSetup({ requireTokenParams: { audience: 'api' } }, {})
      await expectRefused(integration, ['audience=api is required'])
    })
  })

  describe('refresh_token as the grant mode', () => {
    async function refreshGrantSetup() {
      return jsonSetup(undefined, { grantType: 'refresh_token', authorizationUrl: undefined })
    }

    it('trades the refresh token the user brings for a first access token before storing', async () => {
      const { integration, client } = await refreshGrantSetup()
      const described = await h.api('GET', `/connectors/${integration}`)
      expect(described.body.auth.fields.required).toEqual(['refresh_token'])

      const brought = h.sandbox.issueRefreshToken(client.clientId, 'read')
      h.secrets.push(brought)
      const refreshes = refreshCount()
      const created = await h.api('POST', '/connections', {
        integration,
        auth: { refresh_token: brought },
      })
      expect(created.status).toBe(201)
      expect(created.body).toMatchObject({ account_name: 'sandbox-user', status: 'active' })
      expect(created.body.expires_at).toEqual(expect.any(Number))
      expect(refreshCount()).toBe(refreshes + 1)

      const stored = await credentialsOf(h, created.body.id)
      expect(stored['access_token']).toEqual(expect.any(String))
      // The sandbox rotates refresh tokens: the rotated one is kept, the brought one is spent.
      expect(stored['refresh_token']).not.toBe(brought)
      expect((await h.api('POST', `/connections/${created.body.id}/refresh`)).status).toBe(200)
      expect((await callCapability(h, created.body.id, 'get_user_info')).body.error).toBeNull()
    })

    it("refuses a refresh token the provider does not know, in the provider's words, storing nothing", async () => {
      const { integration } = await refreshGrantSetup()
      const created = await h.api('POST', '/connections', {
        integration,
        auth: { refresh_token: 'not-a-refresh-token' },
      })
      expect(created.status).toBe(401)
      expect(created.body.error.code).toBe('unauthorized')
      expect(created.body.error.message).toContain('The refresh token is not valid')
      expect(JSON.stringify(created.body)).not.toContain('not-a-refresh-token')
      expect(await connectionsOf(integration)).toEqual([])

      const missing = await h.api('POST', '/connections', { integration, auth: {} })
      expect(missing.status).toBe(400)
      expect(missing.body.error.details.problems).toEqual(['auth.refresh_token: required'])
    })

    it('has no browser flow to start', async () => {
      const { integration } = await refreshGrantSetup()
      const start = await fetch(`${h.server.url}/auth/${integration}/start`, {
        redirect: 'manual',
        headers: { authorization: `Bearer ${h.apiKey}` },
      })
      expect(start.status).toBe(400)
      expect(await start.text()).toContain('refresh_token grant')
    })
  })

  describe('refresh timing with units', () => {
    it('refreshes a one-hour token at once when told to refresh two hours ahead (JSON)', async () => {
      const { integration } = await jsonSetup(undefined, {
        refreshBeforeExpiry: { value: 2, unit: 'hours' },
      })
      const { id } = await expectConnected(integration)
      const refreshes = refreshCount()
      await credentialsOf(h, id)
      expect(refreshCount()).toBe(refreshes + 1)
    })

    it('hands out the same one-hour token when told to refresh 30 minutes ahead (TypeScript)', async () => {
      const client = registerClient(h.sandbox)
      await putIntegration(h, 'q-units-ts', 'q-units-ts', client)
      const { id } = await expectConnected('q-units-ts')
      const refreshes = refreshCount()
      const first = await credentialsOf(h, id)
      const second = await credentialsOf(h, id)
      expect(second['access_token']).toBe(first['access_token'])
      expect(refreshCount()).toBe(refreshes)
    })

    it('takes plain seconds too', async () => {
      const { integration } = await jsonSetup(undefined, { refreshBeforeExpiry: 7200 })
      const { id } = await expectConnected(integration)
      const refreshes = refreshCount()
      await credentialsOf(h, id)
      expect(refreshCount()).toBe(refreshes + 1)
    })
  })

  describe('a different refresh URL', () => {
    it('refreshes at refreshUrl with a client whose provider refreshes only there', async () => {
      const { integration } = await jsonSetup(
        { refreshPath: '/oauth/refresh' },
        { refreshUrl: `${h.sandbox.url}/oauth/refresh` },
      )
      const { id } = await expectConnected(integration)
      const before = await credentialsOf(h, id)
      expect((await h.api('POST', `/connections/${id}/refresh`)).status).toBe(200)
      expect((await credentialsOf(h, id))['access_token']).not.toBe(before['access_token'])
    })

    it('fails the refresh at the token URL when the connector declares no refreshUrl, keeping the connection', async () => {
      const { integration } = await jsonSetup({ refreshPath: '/oauth/refresh' }, {})
      const { id } = await expectConnected(integration)
      const refresh = await h.api('POST', `/connections/${id}/refresh`)
      expect(refresh.status).toBe(502)
      expect(refresh.body.error.message).toContain('Refresh tokens at /oauth/refresh')
      expect((await h.api('GET', `/connections/${id}`)).body.status).toBe('active')
    })
  })

  describe('errors in a 200 response', () => {
    it("fails the connect with the provider's words and stores nothing", async () => {
      const client = registerClient(h.sandbox, { quirks: { errorAs200: true } })
      const integration = `q-${++seq}`
      await putConnector(h, integration, {
        id: integration,
        name: 'Errors as 200',
        baseUrl: h.sandbox.url,
        settings: NO_SETTINGS,
        auth: {
          type: 'oauth2',
          authorizationUrl: `${h.sandbox.url}/oauth/authorize`,
          tokenUrl: `${h.sandbox.url}/oauth/token`,
        },
      })
      await putIntegration(h, integration, integration, {
        ...client,
        clientSecret: 'wrong-secret-value',
      })
      // The provider's own answer to a wrong secret: a 200 that says invalid_client.
      const direct = await fetch(`${h.sandbox.url}/oauth/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: client.clientId,
          client_secret: 'wrong-secret-value',
        }),
      })
      expect(direct.status).toBe(200)
      expect(await direct.json()).toMatchObject({ error: 'invalid_client' })

      await expectRefused(integration, ['invalid_client', 'Client authentication failed'])
    })

    it('marks the connection needs_reauth when a refresh answers 200 with invalid_grant', async () => {
      const { integration } = await jsonSetup({ errorAs200: true }, {})
      const { id } = await expectConnected(integration)
      h.sandbox.revokeRefreshTokens()
      const refresh = await h.api('POST', `/connections/${id}/refresh`)
      expect(refresh.status).toBe(409)
      expect(refresh.body.error.code).toBe('needs_reauth')
      const shown = (await h.api('GET', `/connections/${id}`)).body
      expect(shown.status).toBe('needs_reauth')
    })
  })
})
