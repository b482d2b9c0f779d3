import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerClient, putConnector } from './helpers/connectors.js'
import { consent, startHarness } from './helpers/harness.js'
import type { Harness } from './helpers/harness.js'

/** The application's page that receives sign-in results (never fetched: only its URL matters). */
const APP_PAGE = 'http://127.0.0.1:9/app/signed-in'

describe('social sign-in against the sandbox provider', () => {
  let h: Harness
  // The runtime's clock, moved forward by the expiry test.
  let skew = 0

  beforeAll(async () => {
    h = await startHarness({ runtime: { now: () => Math.floor(Date.now() / 1000) + skew } })
    const client = registerClient(h.sandbox)
    const url = h.sandbox.url
    const oauth = {
      type: 'oauth2',
      authorizationUrl: `${url}/oauth/authorize`,
      tokenUrl: `${url}/oauth/token`,
      scopes: ['profile'],
    }
    // GitHub's shape: the id from the profile, the email from the list of addresses.
    await putConnector(h, 'hub', {
      name: 'GitHub-like',
      baseUrl: url,
      settings: { type: 'object', properties: {} },
      auth: {
        ...oauth,
        profile: {
          request: '/me',
          accountName: 'login',
          id: 'id',
          name: 'name',
          emails: { request: '/user/emails' },
        },
      },
    })
    await putConnector(h, 'oidc-social', {
      name: 'OIDC',
      settings: { type: 'object', properties: {} },
      auth: { type: 'oauth2', oidc: { issuer: url }, scopes: ['openid', 'email', 'phone'] },
    })
    // The profile endpoint refuses the access token (an API-key endpoint): `unauthorized`.
    await putConnector(h, 'refusing', {
      name: 'Refusing',
      baseUrl: url,
      settings: { type: 'object', properties: {} },
      auth: { ...oauth, profile: { request: '/apikey/me', id: 'id' } },
    })
    // The profile has no id where the connector says: `invalid_response`.
    await putConnector(h, 'idless', {
      name: 'Id-less',
      baseUrl: url,
      settings: { type: 'object', properties: {} },
      auth: { ...oauth, profile: { request: '/me', id: 'user.uuid' } },
    })
    for (const id of ['hub', 'oidc-social', 'refusing', 'idless']) {
      const put = await h.api('PUT', `/integrations/${id}`, {
        connector: id,
        client_id: client.clientId,
        client_secret: client.clientSecret,
        signin_redirect_uris: [APP_PAGE],
      })
      expect(put.status).toBe(200)
      expect(put.body.signin_redirect_uris).toEqual([APP_PAGE])
    }
    h.secrets.push(client.clientSecret)
  })
  afterAll(async () => h.close())

  function startUrl(integration: string, query: Record<string, string>) {
    return `${h.server.url}/signin/${integration}/start?${new URLSearchParams(query)}`
  }

  /** Plays the browser through a sign-in and returns where Patchbay sent it at the end. */
  async function signIn(integration: string, extra: Record<string, string> = {}) {
    const start = startUrl(integration, { redirect_uri: APP_PAGE, state: 'app-state-1', ...extra })
    const { callbackUrl, cookie } = await consent(start)
    expect(new URL(callbackUrl).pathname).toBe(`/signin/${integration}/callback`)
    const landing = await fetch(callbackUrl, { redirect: 'manual', headers: { cookie } })
    expect(landing.status).toBe(302)
    const location = new URL(landing.headers.get('location') as string)
    return { location, callbackUrl, cookie }
  }

  async function exchange(code: string) {
    return h.api('POST', '/signin/exchange', { code })
  }

  async function connectionCount(): Promise<number> {
    return (await h.api('GET', '/connections')).body.connections.length
  }

  it('returns the normalized profile with the primary verified email, once, and stores nothing', async () => {
    const before = await connectionCount()
    const { location } = await signIn('hub')
    expect(`${location.origin}${location.pathname}`).toBe(APP_PAGE)
    expect(location.searchParams.get('state')).toBe('app-state-1')
    const code = location.searchParams.get('code') as string
    expect(Buffer.from(code, 'base64url')).toHaveLength(32)

    const first = await exchange(code)
    expect(first.status).toBe(200)
    expect(first.body).toEqual({
      integration: 'hub',
      connection_id: null,
      profile: {
        id: 'u_1',
        email: 'user@sandbox.test',
        email_verified: true,
        phone_verified: false,
        name: 'Sandbox User',
        raw: { id: 'u_1', login: 'sandbox-user', email: 'user@sandbox.test', name: 'Sandbox User' },
      },
    })
    // Single use: the same code a second time is refused like an unknown one.
    const second = await exchange(code)
    expect(second.status).toBe(400)
    expect(second.body.error.code).toBe('auth_code_invalid')
    expect(await connectionCount()).toBe(before)
  })

  it('drops an email the provider does not call verified, and never takes a non-primary one', async () => {
    h.sandbox.setConfig({ unverifiedEmail: true })
    try {
      const { location } = await signIn('hub')
      const answer = await exchange(location.searchParams.get('code') as string)
      expect(answer.body.profile).toMatchObject({ id: 'u_1', email_verified: false })
      expect(answer.body.profile).not.toHaveProperty('email')
      expect(JSON.stringify(answer.body.profile)).not.toContain('old@sandbox.test')
    } finally {
      h.sandbox.setConfig({ unverifiedEmail: false })
    }
  })

  it('reads an OIDC profile from the verified ID token: sub, email_verified, the phone, the picture', async () => {
    const verified = await signIn('oidc-social')
    const answer = await exchange(verified.location.searchParams.get('code') as string)
    expect(answer.body.profile).toMatchObject({
      id: 'u_1',
      email: 'user@sandbox.test',
      email_verified: true,
      phone: '+15555550123',
      phone_verified: true,
      name: 'Sandbox User',
      avatar: 'https://sandbox.test/avatars/u_1.png',
    })

    h.sandbox.setConfig({ unverifiedEmail: true })
    try {
      const unverified = await signIn('oidc-social')
      const dropped = await exchange(unverified.location.searchParams.get('code') as string)
      expect(dropped.body.profile).toMatchObject({ id: 'u_1', email_verified: false })
      expect(dropped.body.profile).not.toHaveProperty('email')
      // The claim is still there in raw, for an application that wants to see it.
      expect(dropped.body.profile.raw).toMatchObject({ email_verified: false })
    } finally {
      h.sandbox.setConfig({ unverifiedEmail: false })
    }
  })

  it('refuses a result code once it has expired', async () => {
    const { location } = await signIn('hub')
    skew += 61
    try {
      const late = await exchange(location.searchParams.get('code') as string)
      expect(late.status).toBe(400)
      expect(late.body.error.code).toBe('auth_code_invalid')
    } finally {
      skew -= 61
    }
  })

  it('keeps the tokens as a connection only when asked, and names it in the result', async () => {
    const before = await connectionCount()
    const { location } = await signIn('hub', { create_connection: '1' })
    const answer = await exchange(location.searchParams.get('code') as string)
    expect(answer.body.connection_id).toMatch(/^conn_/)
    const shown = await h.api('GET', `/connections/${answer.body.connection_id}`)
    expect(shown.body).toMatchObject({ integration: 'hub', account_name: 'sandbox-user', status: 'active' })
    expect(await connectionCount()).toBe(before + 1)
  })

  it.each([
    ['an unregistered page', 'http://127.0.0.1:9/elsewhere'],
    ['the registered page with a query added', `${APP_PAGE}?next=/admin`],
    ['another host', 'https://attacker.example/app/signed-in'],
  ])('answers a start for %s with a page, never a redirect', async (_what, redirectUri) => {
    const answer = await fetch(startUrl('hub', { redirect_uri: redirectUri }), { redirect: 'manual' })
    expect(answer.status).toBe(400)
    expect(answer.headers.get('location')).toBeNull()
    const page = await answer.text()
    expect(page).toContain('bad_request')
    expect(page).toContain('not one of the sign-in redirect URIs')
  })

  it('refuses a replayed callback with a page, sending nothing to the application', async () => {
    const { callbackUrl, cookie } = await signIn('hub')
    const replay = await fetch(callbackUrl, { redirect: 'manual', headers: { cookie } })
    expect(replay.status).toBe(400)
    expect(replay.headers.get('location')).toBeNull()
    expect(await replay.text()).toContain('state_mismatch')
  })

  it('does not finish a sign-in in another browser (no flow cookie)', async () => {
    const start = startUrl('hub', { redirect_uri: APP_PAGE })
    const { callbackUrl } = await consent(start)
    const elsewhere = await fetch(callbackUrl, { redirect: 'manual' })
    expect(elsewhere.status).toBe(400)
    expect(await elsewhere.text()).toContain('state_mismatch')
  })

  it('reports a refused code as auth_code_invalid to the application', async () => {
    h.sandbox.setConfig({
      failNextToken: { status: 400, body: { error: 'invalid_grant', error_description: 'code expired' } },
    })
    const { location } = await signIn('hub')
    expect(location.searchParams.get('error')).toBe('auth_code_invalid')
    expect(location.searchParams.get('state')).toBe('app-state-1')
    expect(location.searchParams.get('code')).toBeNull()
  })

  it('reports a refused access token as unauthorized to the application', async () => {
    const { location } = await signIn('refusing')
    expect(location.searchParams.get('error')).toBe('unauthorized')
    expect(location.searchParams.get('code')).toBeNull()
  })

  it('reports a profile without the declared id as invalid_response to the application', async () => {
    const { location } = await signIn('idless')
    expect(location.searchParams.get('error')).toBe('invalid_response')
    expect(location.searchParams.get('error_description')).toMatch(/no user id/)
  })

  it('refuses an integration whose sign-in redirect URI is not https or loopback', async () => {
    const put = await h.api('PUT', '/integrations/hub-bad', {
      connector: 'hub',
      signin_redirect_uris: ['http://app.example/signed-in'],
    })
    expect(put.status).toBe(400)
    expect(put.body.error.details.problems).toEqual([
      'signin_redirect_uris.0: must be https (http only on loopback)',
    ])
    expect((await h.api('GET', '/integrations/hub-bad')).status).toBe(404)
  })
})
