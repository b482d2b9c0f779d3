import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSandboxConnector } from '../src/connectors/index.js'
import { createPatchbay } from '../src/runtime/index.js'
import { startSandbox } from '../src/sandbox/index.js'
import type { SandboxClient } from '../src/sandbox/index.js'
import { loadKeyRing, openSqliteStore } from '../src/store/index.js'
import { createWorkspace } from './helpers/cli.js'
import {
  basicHeader,
  credentialsOf,
  putConnector,
  putIntegration,
  registerClient,
} from './helpers/connectors.js'
import { connectViaBrowser, startHarness } from './helpers/harness.js'
import type { Harness } from './helpers/harness.js'

describe('revocation when a connection is deleted (RFC 7009)', () => {
  let h: Harness

  beforeAll(async () => {
    h = await startHarness()
  })
  afterAll(async () => h.close())

  /** What the sandbox says to the access token on /me, and to the refresh token on a refresh. */
  async function providerVerdict(
    credentials: Record<string, any>,
    client: SandboxClient = h.sandbox.defaultClient,
  ) {
    const me = await fetch(`${h.sandbox.url}/me`, {
      headers: { authorization: `Bearer ${credentials['access_token']}` },
    })
    const refresh = await fetch(`${h.sandbox.url}/oauth/token`, {
      method: 'POST',
      headers: { authorization: basicHeader(client.clientId, client.clientSecret) },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: credentials['refresh_token'],
      }),
    })
    const refreshBody = (await refresh.json()) as { error?: string; refresh_token?: string }
    return { me: me.status, refresh: refresh.status, refreshError: refreshBody.error ?? null }
  }

  it('revokes the refresh and access tokens at the provider, then deletes', async () => {
    const id = await connectViaBrowser(h)
    const credentials = await credentialsOf(h, id)
    const requests = h.sandbox.stats().revocationRequests

    const deleted = await h.api('DELETE', `/connections/${id}`)
    expect(deleted.status).toBe(200)
    expect(deleted.body).toEqual({ id, deleted: true, revocation: { attempted: true, ok: true } })
    expect(h.sandbox.stats().revocationRequests).toBe(requests + 2)
    expect((await h.api('GET', `/connections/${id}`)).status).toBe(404)
    expect(await providerVerdict(credentials)).toEqual({
      me: 401,
      refresh: 400,
      refreshError: 'invalid_grant',
    })
    expect(h.events).toContainEqual({
      type: 'connection.deleted',
      connectionId: id,
      integrationId: 'sandbox',
      revocation: { attempted: true, ok: true },
    })
  })

  it('deletes the connection even when the provider fails to revoke, and reports the failure', async () => {
    const id = await connectViaBrowser(h)
    const credentials = await credentialsOf(h, id)
    h.sandbox.setConfig({ failRevocation: true })
    let deleted
    try {
      deleted = await h.api('DELETE', `/connections/${id}`)
    } finally {
      h.sandbox.setConfig({ failRevocation: false })
    }
    expect(deleted.status).toBe(200)
    expect(deleted.body).toMatchObject({
      id,
      deleted: true,
      revocation: { attempted: true, ok: false, error: { code: 'rate_limited' } },
    })
    expect(deleted.body.revocation.error.message).toContain('temporarily_unavailable')
    expect(JSON.stringify(deleted.body)).not.toContain(credentials['access_token'])
    expect(JSON.stringify(deleted.body)).not.toContain(credentials['refresh_token'])
    expect((await h.api('GET', `/connections/${id}`)).status).toBe(404)
    // The provider never revoked them: the report is what tells the caller so.
    expect(await providerVerdict(credentials)).toMatchObject({ me: 200, refresh: 200 })
    const event = h.events.find((e) => e.type === 'connection.deleted' && e.connectionId === id)
    expect(event).toMatchObject({
      revocation: { attempted: true, ok: false, error: { code: 'rate_limited' } },
    })
  })

  it('just deletes a connection whose connector declares no revocation URL', async () => {
    const client = registerClient(h.sandbox)
    await putConnector(h, 'no-revoke', {
      name: 'No revocation',
      baseUrl: h.sandbox.url,
      settings: { type: 'object', properties: {} },
      auth: {
        type: 'oauth2',
        authorizationUrl: `${h.sandbox.url}/oauth/authorize`,
        tokenUrl: `${h.sandbox.url}/oauth/token`,
        profile: { request: '/me', accountName: 'login' },
      },
    })
    await putIntegration(h, 'no-revoke', 'no-revoke', client)
    const id = await connectViaBrowser(h, 'no-revoke')
    const credentials = await credentialsOf(h, id)
    const requests = h.sandbox.stats().revocationRequests

    const deleted = await h.api('DELETE', `/connections/${id}`)
    expect(deleted.status).toBe(204)
    expect(h.sandbox.stats().revocationRequests).toBe(requests)
    expect((await h.api('GET', `/connections/${id}`)).status).toBe(404)
    expect((await providerVerdict(credentials, client)).me).toBe(200)
    expect(h.events).toContainEqual({
      type: 'connection.deleted',
      connectionId: id,
      integrationId: 'no-revoke',
      revocation: { attempted: false, ok: false },
    })
  })

  it("revokes at the OIDC issuer's discovered revocation_endpoint, through the library", async () => {
    const client = registerClient(h.sandbox)
    await putConnector(h, 'oidc-revoke', {
      name: 'OIDC revoke',
      settings: { type: 'object', properties: {} },
      auth: {
        type: 'oauth2',
        oidc: { issuer: h.sandbox.url },
        scopes: ['openid'],
        clientAuth: 'client_secret_basic',
      },
    })
    await putIntegration(h, 'oidc-revoke', 'oidc-revoke', client)
    const id = await connectViaBrowser(h, 'oidc-revoke')
    const credentials = await credentialsOf(h, id)

    expect(await h.patchbay.connections.disconnect(id)).toEqual({
      deleted: true,
      revocation: { attempted: true, ok: true },
    })
    expect(await h.patchbay.connections.get(id)).toBeNull()
    expect(await providerVerdict(credentials, client)).toEqual({
      me: 401,
      refresh: 400,
      refreshError: 'invalid_grant',
    })
    expect(await h.patchbay.connections.delete(id)).toBe(false)
  })
})

describe('the sandbox revocation endpoint', () => {
  let h: Harness
  beforeAll(async () => {
    h = await startHarness()
  })
  afterAll(async () => h.close())

  const revoke = (body: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${h.sandbox.url}/oauth/revoke`, {
      method: 'POST',
      headers,
      body: new URLSearchParams(body),
    })

  it("requires client authentication, answers 200 for unknown tokens and refuses another client's", async () => {
    const own = h.sandbox.defaultClient
    const other = registerClient(h.sandbox)
    const auth = { authorization: basicHeader(own.clientId, own.clientSecret) }
    const id = await connectViaBrowser(h)
    const { access_token: accessToken } = await credentialsOf(h, id)

    const anonymous = await revoke({ token: accessToken })
    expect(anonymous.status).toBe(401)
    expect(await anonymous.json()).toMatchObject({ error: 'invalid_client' })
    expect((await revoke({ token: 'never-issued' }, auth)).status).toBe(200)
    const foreign = await revoke(
      { token: accessToken },
      { authorization: basicHeader(other.clientId, other.clientSecret) },
    )
    expect(foreign.status).toBe(400)
    expect(await foreign.json()).toMatchObject({ error: 'unauthorized_client' })
    expect((await h.patchbay.connection(id).fetch('/me')).status).toBe(200)
  })
})

describe('patchbay connections delete', () => {
  it('prints the revocation report beside the deleted id', async () => {
    const sandbox = await startSandbox()
    const workspace = createWorkspace({ PATCHBAY_SANDBOX_URL: sandbox.url })
    try {
      const client = sandbox.defaultClient
      // The integration and a token of its client go into the workspace's database by the library.
      const issued = await fetch(`${sandbox.url}/oauth/token`, {
        method: 'POST',
        headers: { authorization: basicHeader(client.clientId, client.clientSecret) },
        body: new URLSearchParams({ grant_type: 'client_credentials' }),
      })
      const accessToken = ((await issued.json()) as { access_token: string }).access_token
      const patchbay = await createPatchbay({
        store: openSqliteStore({
          path: workspace.dbPath,
          keyRing: loadKeyRing({ env: workspace.env, dataDir: workspace.home }),
        }),
        connectors: [createSandboxConnector({ url: sandbox.url })],
      })
      await patchbay.integrations.put({
        id: 'sandbox',
        connectorId: 'sandbox',
        clientId: client.clientId,
        clientSecret: client.clientSecret,
      })
      await patchbay.connections.create({
        integration: 'sandbox',
        connectionId: 'cli-conn',
        auth: { access_token: accessToken },
      })
      await patchbay.close()

      const deleted = await workspace.run(['connections', 'delete', 'cli-conn'])
      expect(deleted.code).toBe(0)
      expect(deleted.json.response).toEqual({
        id: 'cli-conn',
        deleted: true,
        revocation: { attempted: true, ok: true },
      })
      const me = await fetch(`${sandbox.url}/me`, {
        headers: { authorization: `Bearer ${accessToken}` },
      })
      expect(me.status).toBe(401)
    } finally {
      workspace.remove()
      await sandbox.close()
    }
  })
})
