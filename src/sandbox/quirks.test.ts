import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSandbox } from './index.js'
import type { Sandbox, SandboxClient, SandboxQuirks } from './index.js'

const REDIRECT = 'http://127.0.0.1:9999/callback'
const NOW_MS = 1_700_000_000_000

let sandbox: Sandbox
let seq = 0

beforeAll(async () => {
  sandbox = await startSandbox({ autoApprove: true, now: () => NOW_MS, accessTokenTtl: 600 })
})
afterAll(async () => sandbox.close())

function client(quirks: SandboxQuirks): SandboxClient {
  const registered = {
    clientId: `c${++seq}`,
    clientSecret: `secret-${seq}`,
    redirectUris: [],
    quirks,
  }
  sandbox.registerClient(registered)
  return registered
}

function tokenRequest(c: SandboxClient, path = '/oauth/token', extra: Record<string, string> = {}) {
  return fetch(`${sandbox.url}${path}`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: c.clientId,
      client_secret: c.clientSecret,
      ...extra,
    }),
  })
}

describe('sandbox quirk modes', () => {
  it('nests token responses in authed_user beside ok: true', async () => {
    const body = await (await tokenRequest(client({ responseShape: 'nested' }))).json()
    expect(body).toMatchObject({
      ok: true,
      authed_user: { access_token: expect.any(String), token_type: 'Bearer', expires_in: 600 },
    })
    expect(body.access_token).toBeUndefined()
  })

  it('renames token fields and tells the expiry as an ISO date or epoch seconds', async () => {
    const renamed = await (
      await tokenRequest(client({ responseShape: 'renamed', expiry: 'expires_at_iso' }))
    ).json()
    expect(renamed).toMatchObject({ accessToken: expect.any(String), tokenType: 'Bearer' })
    expect(renamed.expiresAt).toBe(new Date(NOW_MS + 600_000).toISOString())
    const epoch = await (await tokenRequest(client({ expiry: 'expires_at' }))).json()
    expect(epoch.expires_at).toBe(NOW_MS / 1000 + 600)
    expect(epoch.expires_in).toBeUndefined()
    const none = await (await tokenRequest(client({ expiry: 'none' }))).json()
    expect(Object.keys(none).sort()).toEqual(['access_token', 'scope', 'token_type'])
  })

  it('answers errors with status 200 under errorAs200, wrong secrets included', async () => {
    const c = client({ errorAs200: true })
    const res = await tokenRequest({ ...c, clientSecret: 'wrong' })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ error: 'invalid_client' })
  })

  it('serves the refresh path for its client only, and for refresh grants only', async () => {
    const c = client({ refreshPath: '/oauth/refresh' })
    const notRefresh = await tokenRequest(c, '/oauth/refresh')
    expect(notRefresh.status).toBe(400)
    expect(await notRefresh.json()).toMatchObject({ error: 'unsupported_grant_type' })
    const other = client({})
    expect(
      (
        await tokenRequest(other, '/oauth/refresh', {
          grant_type: 'refresh_token',
          refresh_token: 'x',
        })
      ).status,
    ).toBe(404)
    const token = sandbox.issueRefreshToken(c.clientId)
    const atToken = await tokenRequest(c, '/oauth/token', {
      grant_type: 'refresh_token',
      refresh_token: token,
    })
    expect(await atToken.json()).toMatchObject({ error: 'unsupported_grant_type' })
    const atRefresh = await tokenRequest(c, '/oauth/refresh', {
      grant_type: 'refresh_token',
      refresh_token: token,
    })
    expect(atRefresh.status).toBe(200)
  })

  it('knows a tenant client only under its tenant prefix, where the API answers too', async () => {
    const c = client({ tenant: 'acme' })
    expect((await tokenRequest(c)).status).toBe(401)
    const res = await tokenRequest(c, '/tenants/acme/oauth/token')
    expect(res.status).toBe(200)
    const { access_token: token } = await res.json()
    const me = await fetch(`${sandbox.url}/tenants/acme/me`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(me.status).toBe(200)
    const elsewhere = await fetch(authorize(c, '/oauth/authorize', 'read'), { redirect: 'manual' })
    expect(elsewhere.status).toBe(400)
  })

  it('splits scopes by its delimiter and sends back requests missing a required scope', async () => {
    const c = client({ scopeDelimiter: ',', requiredScopes: ['read', 'write'] })
    const missing = await fetch(authorize(c, '/oauth/authorize', 'read'), { redirect: 'manual' })
    const back = new URL(missing.headers.get('location') as string)
    expect(back.searchParams.get('error')).toBe('invalid_scope')
    const granted = await fetch(authorize(c, '/oauth/authorize', 'read,write'), {
      redirect: 'manual',
    })
    expect(new URL(granted.headers.get('location') as string).searchParams.get('code')).toEqual(
      expect.any(String),
    )
  })

  it('refuses a token request without a required parameter, in its own words', async () => {
    const c = client({ requireTokenParams: { audience: 'api' } })
    const res = await tokenRequest(c)
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error_description: 'audience=api is required' })
    expect((await tokenRequest(c, '/oauth/token', { audience: 'api' })).status).toBe(200)
  })
})

function authorize(c: SandboxClient, path: string, scope: string): string {
  const url = new URL(path, sandbox.url)
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: c.clientId,
    redirect_uri: REDIRECT,
    state: 'state-1',
    scope,
  }).toString()
  return url.href
}
