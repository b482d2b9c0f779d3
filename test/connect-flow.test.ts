import { existsSync, readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { consent, connectViaBrowser, startHarness } from './helpers/harness.js'
import type { Harness } from './helpers/harness.js'

describe('OAuth 2 connect flow against the sandbox, over HTTP', () => {
  let h: Harness
  beforeAll(async () => {
    h = await startHarness()
  })
  afterAll(async () => h.close())

  it('connects an account through consent and names it from the profile', async () => {
    const id = await connectViaBrowser(h)
    const shown = await h.api('GET', `/connections/${id}`)
    expect(shown.status).toBe(200)
    expect(shown.body).toMatchObject({ id, integration: 'sandbox', account_name: 'sandbox-user', status: 'active' })
    expect(shown.body.expires_at).toBeGreaterThan(Date.now() / 1000)
    expect(JSON.stringify(shown.body)).not.toMatch(/accessToken|refreshToken/)
    expect(h.events).toContainEqual({ type: 'connection.created', connectionId: id, integrationId: 'sandbox' })
  })

  it('sends a PKCE S256 challenge and a 128-bit state to the provider', async () => {
    const session = await h.api('POST', '/connect/sessions', { integration: 'sandbox' })
    const start = await fetch(session.body.url, { redirect: 'manual' })
    const authorize = new URL(start.headers.get('location') as string)
    expect(authorize.origin).toBe(h.sandbox.url)
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256')
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(Buffer.from(authorize.searchParams.get('state') as string, 'base64url')).toHaveLength(16)
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${h.server.url}/auth/sandbox/callback`)
  })

  it('refuses a replayed state with state_mismatch and stores nothing', async () => {
    const session = await h.api('POST', '/connect/sessions', { integration: 'sandbox' })
    const { callbackUrl, cookie } = await consent(session.body.url)
    const before = (await h.api('GET', '/connections')).body.connections.length
    const first = await fetch(callbackUrl, { redirect: 'manual', headers: { cookie } })
    expect(first.status).toBe(200)
    const replay = await fetch(callbackUrl, { redirect: 'manual', headers: { cookie } })
    expect(replay.status).toBe(400)
    expect(await replay.text()).toContain('state_mismatch')
    expect((await h.api('GET', '/connections')).body.connections.length).toBe(before + 1)
  })

  it('refuses an unknown state with state_mismatch and stores nothing', async () => {
    const before = (await h.api('GET', '/connections')).body.connections.length
    const stats = h.sandbox.stats().tokenRequests.authorization_code
    const forged = await fetch(`${h.server.url}/auth/sandbox/callback?code=abc&state=forged-state`, {
      redirect: 'manual',
    })
    expect(forged.status).toBe(400)
    expect(await forged.text()).toContain('state_mismatch')
    expect((await h.api('GET', '/connections')).body.connections.length).toBe(before)
    expect(h.sandbox.stats().tokenRequests.authorization_code).toBe(stats)
  })

  it('uses a connect session once', async () => {
    const session = await h.api('POST', '/connect/sessions', { integration: 'sandbox' })
    expect((await fetch(session.body.url, { redirect: 'manual' })).status).toBe(302)
    const again = await fetch(session.body.url, { redirect: 'manual' })
    expect(again.status).toBe(401)
  })

  it('reports a denied consent in plain words on the redirect target', async () => {
    const redirect = `${h.server.url}/done`
    const session = await h.api('POST', '/connect/sessions', { integration: 'sandbox', redirect })
    const { callbackUrl, cookie } = await consent(session.body.url, 'deny')
    const landing = await fetch(callbackUrl, { redirect: 'manual', headers: { cookie } })
    expect(landing.status).toBe(302)
    const target = new URL(landing.headers.get('location') as string)
    expect(target.origin + target.pathname).toBe(redirect)
    expect(target.searchParams.get('error')).toBe('unauthorized')
    expect(target.searchParams.get('error_description')).toContain('access_denied')
  })

  it('redirects back with the connection id when a redirect was asked for', async () => {
    const session = await h.api('POST', '/connect/sessions', { integration: 'sandbox', redirect: `${h.server.url}/done` })
    const { callbackUrl, cookie } = await consent(session.body.url)
    const landing = await fetch(callbackUrl, { redirect: 'manual', headers: { cookie } })
    const target = new URL(landing.headers.get('location') as string)
    expect(target.searchParams.get('status')).toBe('connected')
    const id = target.searchParams.get('connection_id') as string
    expect((await h.api('GET', `/connections/${id}`)).status).toBe(200)
  })

  it('refuses a redirect outside the allow-list', async () => {
    const session = await h.api('POST', '/connect/sessions', { integration: 'sandbox', redirect: 'https://evil.test/x' })
    expect(session.status).toBe(400)
    expect(session.body.error.code).toBe('bad_request')
  })

  it('re-authorizes an existing connection only when the session names it', async () => {
    const id = await connectViaBrowser(h)
    const again = await connectViaBrowser(h, 'sandbox', { connection_id: id })
    expect(again).toBe(id)
    expect(h.events).toContainEqual({ type: 'connection.updated', connectionId: id, integrationId: 'sandbox' })
  })

  it('starts a flow for an API caller with connection_id and redirect', async () => {
    const { callbackUrl, cookie } = await consent(
      `${h.server.url}/auth/sandbox/start?connection_id=api-started&redirect=${encodeURIComponent(`${h.server.url}/back`)}`,
      'approve',
      { authorization: `Bearer ${h.apiKey}` },
    )
    const landing = await fetch(callbackUrl, { redirect: 'manual', headers: { cookie } })
    expect(new URL(landing.headers.get('location') as string).searchParams.get('connection_id')).toBe('api-started')
  })

  it('refuses to start a flow without a session or an API key', async () => {
    const start = await fetch(`${h.server.url}/auth/sandbox/start`, { redirect: 'manual' })
    expect(start.status).toBe(401)
  })

  it('keeps no access token, refresh token or client secret in plaintext in the SQLite file', async () => {
    const own = await startHarness()
    const id = await connectViaBrowser(own)
    const credentials = (await own.api('GET', `/connections/${id}/credentials`)).body.credentials
    expect(credentials.access_token).toEqual(expect.any(String))
    expect(credentials.refresh_token).toEqual(expect.any(String))
    // Closing checkpoints the WAL into the main file; both files' bytes are searched anyway.
    await own.patchbay.close()
    const bytes = Buffer.concat(
      [own.dbPath, `${own.dbPath}-wal`].flatMap((path) => (existsSync(path) ? [readFileSync(path)] : [])),
    )
    expect(bytes.includes(Buffer.from('sandbox-user'))).toBe(true)
    const secrets = [credentials.access_token, credentials.refresh_token, own.sandbox.defaultClient.clientSecret]
    for (const secret of secrets) expect(bytes.includes(Buffer.from(secret))).toBe(false)
    await own.close()
  })
})
