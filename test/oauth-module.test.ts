import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSandbox } from '../src/sandbox/index.js'
import type { Sandbox } from '../src/sandbox/index.js'
import { createWorkspace } from './helpers/cli.js'
import type { CliWorkspace } from './helpers/cli.js'

// A host other than Patchbay drives the OAuth flow itself through the CLI (Lumos' OAuth module).
describe('the OAuth module capabilities, from the CLI', () => {
  let sandbox: Sandbox
  let workspace: CliWorkspace
  const redirectUri = 'http://127.0.0.1:9/callback'

  beforeAll(async () => {
    sandbox = await startSandbox({ autoApprove: true })
    workspace = createWorkspace({ PATCHBAY_SANDBOX_URL: sandbox.url })
    workspace.writeConnector('machine.json', {
      id: 'machine',
      name: 'Machine to machine',
      baseUrl: sandbox.url,
      settings: { type: 'object', properties: {} },
      auth: { type: 'oauth2', grantType: 'client_credentials', tokenUrl: `${sandbox.url}/oauth/token`, scopes: ['items:read'] },
    })
  })
  afterAll(async () => {
    workspace.remove()
    await sandbox.close()
  })

  const call = (connector: string, capability: string, request: unknown) =>
    workspace.run(['call', connector, capability, '--json', JSON.stringify({ request })])

  it('lists the module on every OAuth 2 connector in info', async () => {
    const info = await workspace.run(['info', 'sandbox'])
    expect(Object.keys(info.json.response.capabilities)).toEqual(
      expect.arrayContaining(['get_authorization_url', 'handle_authorization_callback', 'refresh_access_token']),
    )
    const machine = await workspace.run(['info', 'machine'])
    expect(Object.keys(machine.json.response.capabilities)).toEqual(
      expect.arrayContaining(['handle_client_credentials_request', 'refresh_access_token']),
    )
  })

  it('runs authorization URL, callback and refresh without Patchbay holding anything', async () => {
    const client = sandbox.defaultClient
    const started = await call('sandbox', 'get_authorization_url', { client_id: client.clientId, redirect_uri: redirectUri })
    expect(started.code).toBe(0)
    const { authorization_url: url, state, code_verifier: verifier } = started.json.response
    expect(new URL(url).searchParams.get('code_challenge_method')).toBe('S256')
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/)

    const approved = await fetch(url, { redirect: 'manual' })
    const back = new URL(approved.headers.get('location') as string)
    expect(back.searchParams.get('state')).toBe(state)

    const exchanged = await call('sandbox', 'handle_authorization_callback', {
      client_id: client.clientId,
      client_secret: client.clientSecret,
      redirect_uri: redirectUri,
      code: back.searchParams.get('code'),
      code_verifier: verifier,
    })
    expect(exchanged.code).toBe(0)
    const tokens = exchanged.json.response
    expect(tokens.access_token).toEqual(expect.any(String))
    expect(tokens.expires_at).toBeGreaterThan(Date.now() / 1000)
    const me = await fetch(`${sandbox.url}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } })
    expect(me.status).toBe(200)

    const refreshed = await call('sandbox', 'refresh_access_token', {
      client_id: client.clientId,
      client_secret: client.clientSecret,
      refresh_token: tokens.refresh_token,
    })
    expect(refreshed.code).toBe(0)
    expect(refreshed.json.response.refresh_token).not.toBe(tokens.refresh_token)
    expect(refreshed.json.response.access_token).not.toBe(tokens.access_token)
  })

  it('refuses a code exchange without the PKCE verifier, in the provider words, exit 1', async () => {
    const client = sandbox.defaultClient
    const started = await call('sandbox', 'get_authorization_url', { client_id: client.clientId, redirect_uri: redirectUri })
    const approved = await fetch(started.json.response.authorization_url, { redirect: 'manual' })
    const code = new URL(approved.headers.get('location') as string).searchParams.get('code')
    const exchanged = await call('sandbox', 'handle_authorization_callback', {
      client_id: client.clientId,
      client_secret: client.clientSecret,
      redirect_uri: redirectUri,
      code,
    })
    expect(exchanged.code).toBe(1)
    expect(exchanged.json.error.code).toBe('auth_code_invalid')
    expect(exchanged.stdout).not.toContain(client.clientSecret)
  })

  it('names a missing request field and exits 2', async () => {
    const result = await call('sandbox', 'handle_authorization_callback', { client_id: 'x', redirect_uri: redirectUri })
    expect(result.code).toBe(2)
    expect(result.json.error.details.problems.join(' ')).toContain('request.code')
  })

  it('handles the client-credentials request at the token URL', async () => {
    const client = sandbox.defaultClient
    const result = await call('machine', 'handle_client_credentials_request', {
      client_id: client.clientId,
      client_secret: client.clientSecret,
    })
    expect(result.code).toBe(0)
    expect(result.json.response).toMatchObject({ token_type: 'Bearer', refresh_token: null, scope: 'items:read' })
  })
})
