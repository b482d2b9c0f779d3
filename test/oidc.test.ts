import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IdTokenTamper, SandboxClient } from '../src/sandbox/index.js'
import {
  callCapability,
  connectWithConsent,
  credentialsOf,
  putConnector,
  putIntegration,
  registerClient,
} from './helpers/connectors.js'
import { startHarness } from './helpers/harness.js'
import type { Harness } from './helpers/harness.js'

/** The claims of a JWT, for looking at what the sandbox issued. */
function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString('utf8'))
}

async function connectionCount(h: Harness, integration: string): Promise<number> {
  return (await h.api('GET', `/connections?integration=${integration}`)).body.connections.length
}

describe('OpenID Connect against the sandbox provider', () => {
  let h: Harness
  let client: SandboxClient

  beforeAll(async () => {
    h = await startHarness()
    client = registerClient(h.sandbox)
    // Only the issuer and the scopes: every endpoint comes from discovery.
    await putConnector(h, 'oidc-sandbox', {
      name: 'Sandbox OIDC',
      settings: { type: 'object', properties: {} },
      auth: {
        type: 'oauth2',
        grantType: 'authorization_code',
        oidc: { issuer: h.sandbox.url },
        scopes: ['openid', 'email'],
      },
    })
    await putIntegration(h, 'oidc', 'oidc-sandbox', client)
  })
  afterAll(async () => h.close())

  it('discovers the endpoints once, sends a nonce, and names the connection from the ID token', async () => {
    const first = await connectWithConsent(h, 'oidc')
    const second = await connectWithConsent(h, 'oidc')
    expect([first.status, second.status]).toEqual([200, 200])
    expect(first.html).toContain('user@sandbox.test')

    // Discovery's authorization_endpoint, with a fresh 128-bit nonce per flow.
    expect(`${first.authorizeUrl.origin}${first.authorizeUrl.pathname}`).toBe(
      `${h.sandbox.url}/oauth/authorize`,
    )
    const nonce = first.authorizeUrl.searchParams.get('nonce') as string
    expect(Buffer.from(nonce, 'base64url')).toHaveLength(16)
    expect(second.authorizeUrl.searchParams.get('nonce')).not.toBe(nonce)
    expect(first.authorizeUrl.searchParams.get('scope')).toBe('openid email')

    const shown = await h.api('GET', `/connections/${first.id}`)
    expect(shown.body).toMatchObject({
      integration: 'oidc',
      account_name: 'user@sandbox.test',
      status: 'active',
    })
    const credentials = await credentialsOf(h, first.id as string)
    expect(claimsOf(credentials['id_token'])).toMatchObject({
      iss: h.sandbox.url,
      aud: client.clientId,
      sub: 'u_1',
      nonce,
    })
    // Both flows, one discovery request: the runtime caches the issuer's configuration.
    expect(h.sandbox.stats().discoveryRequests).toBe(1)
  })

  it('serves get_user_info from the verified ID token claims', async () => {
    const { id } = await connectWithConsent(h, 'oidc')
    const info = await callCapability(h, id as string, 'get_user_info')
    expect(info.status).toBe(200)
    // An OIDC connector is a social one: the normalized profile, from the standard claims.
    expect(info.body.response).toMatchObject({
      id: 'u_1',
      email: 'user@sandbox.test',
      email_verified: true,
      name: 'Sandbox User',
      raw: { sub: 'u_1', preferred_username: 'sandbox-user' },
    })
  })

  it.each<[string, IdTokenTamper, RegExp]>([
    ['a flipped signature bit', 'signature', /signature does not verify/],
    ['another nonce (a replayed or injected response)', 'nonce', /nonce/],
    ['another audience', 'audience', /aud claim/],
    ['several audiences and another azp', 'azp', /another authorized party/],
    ['another issuer', 'issuer', /iss claim/],
    ['an expiry in the past', 'expired', /expired/],
  ])('refuses an ID token with %s and stores nothing', async (_what, tamper, reason) => {
    const before = await connectionCount(h, 'oidc')
    h.sandbox.setConfig({ tamperIdToken: tamper })
    try {
      const result = await connectWithConsent(h, 'oidc')
      expect(result.status).toBe(401)
      expect(result.id).toBeNull()
      expect(result.html).toContain('unauthorized')
      expect(result.html).toMatch(/The ID token was refused/)
      expect(result.html).toMatch(reason)
      // Neither the ID token nor any other JWT is echoed on the page.
      expect(result.html).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/)
    } finally {
      h.sandbox.setConfig({ tamperIdToken: null })
    }
    expect(await connectionCount(h, 'oidc')).toBe(before)
    expect(h.events.filter((event) => event.type === 'connection.created')).toHaveLength(before)
  })

  it('names the connection from the userinfo endpoint when the connector says so', async () => {
    await putConnector(h, 'oidc-userinfo', {
      name: 'Sandbox OIDC userinfo',
      settings: { type: 'object', properties: {} },
      auth: {
        type: 'oauth2',
        oidc: { issuer: h.sandbox.url, profile: 'userinfo' },
        scopes: ['openid'],
        profile: { accountName: 'preferred_username' },
      },
    })
    await putIntegration(h, 'oidc-userinfo', 'oidc-userinfo', client)
    const apiCalls = h.sandbox.stats().apiCalls
    const { id, status } = await connectWithConsent(h, 'oidc-userinfo')
    expect(status).toBe(200)
    expect((await h.api('GET', `/connections/${id}`)).body.account_name).toBe('sandbox-user')
    // The name came from the provider's /userinfo, not from the ID token.
    expect(h.sandbox.stats().apiCalls).toBe(apiCalls + 1)
  })

  it('refuses a connector that names neither a token URL nor an issuer, naming the field', async () => {
    const answer = await h.api('PUT', '/connectors/half-oidc', {
      name: 'Half',
      settings: { type: 'object', properties: {} },
      auth: {
        type: 'oauth2',
        authorizationUrl: `${h.sandbox.url}/oauth/authorize`,
        profile: { accountName: 'email' },
      },
    })
    expect(answer.status).toBe(400)
    expect(answer.body.error.details.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^auth\.tokenUrl:/),
        expect.stringMatching(/^auth\.profile\.request:/),
      ]),
    )
  })
})
