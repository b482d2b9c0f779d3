import { createHash, randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { startSandbox } from './index.js'
import type { Sandbox, SandboxClient, SandboxOptions } from './index.js'

const REDIRECT = 'http://127.0.0.1:9999/callback'

let sandbox: Sandbox | undefined

async function start(options?: SandboxOptions): Promise<Sandbox> {
  sandbox = await startSandbox(options)
  return sandbox
}

afterEach(async () => {
  await sandbox?.close()
  sandbox = undefined
})

function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url')
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') }
}

function authorizeUrl(sb: Sandbox, params: Record<string, string>): string {
  const url = new URL('/oauth/authorize', sb.url)
  const defaults = { response_type: 'code', client_id: sb.defaultClient.clientId }
  for (const [name, value] of Object.entries({ ...defaults, ...params })) {
    url.searchParams.set(name, value)
  }
  return url.href
}

function location(res: Response): URL {
  const header = res.headers.get('location')
  expect(header, 'Location header').not.toBeNull()
  return new URL(header!)
}

/** Runs the authorization step with autoApprove on and returns the code. */
async function getCode(
  sb: Sandbox,
  params: Record<string, string> = {},
): Promise<{ code: string; verifier: string }> {
  sb.setConfig({ autoApprove: true })
  const { verifier, challenge } = pkcePair()
  const res = await fetch(
    authorizeUrl(sb, {
      redirect_uri: REDIRECT,
      state: 'xyz',
      scope: 'read write',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ...params,
    }),
    { redirect: 'manual' },
  )
  expect(res.status).toBe(302)
  return { code: location(res).searchParams.get('code')!, verifier }
}

async function token(
  sb: Sandbox,
  params: Record<string, string>,
  init: { client?: SandboxClient; auth?: 'basic' | 'post' | 'none' } = {},
): Promise<Response> {
  const client = init.client ?? sb.defaultClient
  const body = new URLSearchParams(params)
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
  }
  if (init.auth === 'basic') {
    const pair = `${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`
    headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`
  } else if (init.auth !== 'none') {
    body.set('client_id', client.clientId)
    body.set('client_secret', client.clientSecret)
  }
  return fetch(`${sb.url}/oauth/token`, { method: 'POST', headers, body })
}

async function exchange(sb: Sandbox): Promise<Record<string, unknown>> {
  const { code, verifier } = await getCode(sb)
  const res = await token(sb, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT,
    code_verifier: verifier,
  })
  expect(res.status).toBe(200)
  return (await res.json()) as Record<string, unknown>
}

async function me(sb: Sandbox, accessToken: unknown): Promise<Response> {
  return fetch(`${sb.url}/me`, { headers: { authorization: `Bearer ${String(accessToken)}` } })
}

describe('authorization endpoint', () => {
  it('shows an accessible consent page carrying the request in hidden fields', async () => {
    const sb = await start()
    const { challenge } = pkcePair()
    const res = await fetch(
      authorizeUrl(sb, {
        redirect_uri: REDIRECT,
        state: 's<1>',
        scope: 'read write',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      }),
    )
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    expect(res.headers.get('x-frame-options')).toBe('DENY')
    const page = await res.text()
    expect(page).toContain('<html lang="en">')
    expect(page).toContain('sandbox-client wants to access your Sandbox account')
    expect(page).toContain('<li><code>read</code></li>')
    expect(page).toContain('<li><code>write</code></li>')
    expect(page).toContain('<form method="post" action="/oauth/authorize">')
    expect(page).toContain('<input type="hidden" name="state" value="s&lt;1&gt;">')
    expect(page).toContain(`<input type="hidden" name="code_challenge" value="${challenge}">`)
    expect(page).toMatch(/<button type="submit" name="decision" value="approve"[^>]*>Approve/)
    expect(page).toMatch(/<button type="submit" name="decision" value="deny"[^>]*>Deny/)
  })

  it('redirects with a code and the state after the user approves the form', async () => {
    const sb = await start()
    const { verifier, challenge } = pkcePair()
    const res = await fetch(`${sb.url}/oauth/authorize`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({
        response_type: 'code',
        client_id: sb.defaultClient.clientId,
        redirect_uri: REDIRECT,
        state: 'abc',
        scope: 'read',
        code_challenge: challenge,
        code_challenge_method: 'S256',
        decision: 'approve',
      }),
    })
    expect(res.status).toBe(302)
    const back = location(res)
    expect(back.origin + back.pathname).toBe(REDIRECT)
    expect(back.searchParams.get('state')).toBe('abc')
    const code = back.searchParams.get('code')!
    const exchanged = await token(sb, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
    })
    expect(exchanged.status).toBe(200)
    expect(await exchanged.json()).toMatchObject({ scope: 'read' })
  })

  it('redirects with access_denied and the state after the user denies the form', async () => {
    const sb = await start()
    const res = await fetch(`${sb.url}/oauth/authorize`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({
        response_type: 'code',
        client_id: sb.defaultClient.clientId,
        redirect_uri: REDIRECT,
        state: 'abc',
        decision: 'deny',
      }),
    })
    expect(res.status).toBe(302)
    const back = location(res)
    expect(back.searchParams.get('error')).toBe('access_denied')
    expect(back.searchParams.get('error_description')).toBeTruthy()
    expect(back.searchParams.get('state')).toBe('abc')
    expect(back.searchParams.has('code')).toBe(false)
  })

  it('re-checks the posted form and shows an error page for a tampered redirect_uri', async () => {
    const sb = await start()
    const res = await fetch(`${sb.url}/oauth/authorize`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({
        response_type: 'code',
        client_id: sb.defaultClient.clientId,
        redirect_uri: 'https://attacker.example/cb',
        decision: 'approve',
      }),
    })
    expect(res.status).toBe(400)
    expect(res.headers.get('location')).toBeNull()
  })

  it('skips the consent page when autoApprove is on', async () => {
    const sb = await start({ autoApprove: true })
    const res = await fetch(authorizeUrl(sb, { redirect_uri: REDIRECT, state: 'q' }), {
      redirect: 'manual',
    })
    expect(res.status).toBe(302)
    expect(location(res).searchParams.get('code')).toMatch(/^[\w-]{40,}$/)
    expect(location(res).searchParams.get('state')).toBe('q')
  })

  it('shows an error page, never a redirect, for an unknown client', async () => {
    const sb = await start({ autoApprove: true })
    const res = await fetch(authorizeUrl(sb, { client_id: 'nobody', redirect_uri: REDIRECT }), {
      redirect: 'manual',
    })
    expect(res.status).toBe(400)
    expect(res.headers.get('location')).toBeNull()
    expect(await res.text()).toContain('invalid_client')
  })

  it('refuses a non-loopback redirect URI for a client without registered URIs', async () => {
    const sb = await start({ autoApprove: true })
    for (const uri of ['https://evil.example/cb', 'ftp://127.0.0.1/cb', `${REDIRECT}#frag`]) {
      const res = await fetch(authorizeUrl(sb, { redirect_uri: uri }), { redirect: 'manual' })
      expect(res.status, uri).toBe(400)
      expect(res.headers.get('location')).toBeNull()
    }
    for (const uri of ['http://localhost:1/cb', 'https://[::1]:8443/x?keep=1']) {
      const res = await fetch(authorizeUrl(sb, { redirect_uri: uri }), { redirect: 'manual' })
      expect(res.status, uri).toBe(302)
    }
  })

  it('accepts only exactly registered redirect URIs when a client has some', async () => {
    const client = { clientId: 'app', clientSecret: 's3cret', redirectUris: [REDIRECT] }
    const sb = await start({ autoApprove: true, clients: [client] })
    const ok = await fetch(authorizeUrl(sb, { redirect_uri: REDIRECT }), { redirect: 'manual' })
    expect(ok.status).toBe(302)
    const bad = await fetch(authorizeUrl(sb, { redirect_uri: `${REDIRECT}/other` }), {
      redirect: 'manual',
    })
    expect(bad.status).toBe(400)
  })

  it('refuses the plain PKCE method by redirecting with invalid_request', async () => {
    const sb = await start({ autoApprove: true })
    const { verifier } = pkcePair()
    const base = { redirect_uri: REDIRECT, state: 'st', code_challenge: verifier }
    for (const method of [{ code_challenge_method: 'plain' }, {}] as Record<string, string>[]) {
      const res = await fetch(authorizeUrl(sb, { ...base, ...method }), { redirect: 'manual' })
      expect(res.status).toBe(302)
      expect(location(res).searchParams.get('error')).toBe('invalid_request')
      expect(location(res).searchParams.get('state')).toBe('st')
      expect(location(res).searchParams.has('code')).toBe(false)
    }
  })

  it('requires a code challenge from a client registered with requirePkce', async () => {
    const sb = await start({ autoApprove: true })
    const strict = { clientId: 'strict', clientSecret: 'x', redirectUris: [], requirePkce: true }
    sb.registerClient(strict)
    const res = await fetch(authorizeUrl(sb, { client_id: 'strict', redirect_uri: REDIRECT }), {
      redirect: 'manual',
    })
    expect(location(res).searchParams.get('error')).toBe('invalid_request')
  })

  it('answers unsupported_response_type for anything but code', async () => {
    const sb = await start({ autoApprove: true })
    const res = await fetch(authorizeUrl(sb, { response_type: 'token', redirect_uri: REDIRECT }), {
      redirect: 'manual',
    })
    expect(location(res).searchParams.get('error')).toBe('unsupported_response_type')
  })
})

describe('authorization code grant', () => {
  it('issues tokens for a code with the matching PKCE verifier', async () => {
    const sb = await start()
    const { code, verifier } = await getCode(sb)
    const res = await token(sb, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const body = (await res.json()) as Record<string, unknown>
    expect(body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 3600,
      refresh_token: expect.any(String),
      scope: 'read write',
    })
    const profile = await me(sb, body.access_token)
    expect(profile.status).toBe(200)
    expect(await profile.json()).toEqual({
      id: 'u_1',
      login: 'sandbox-user',
      email: 'user@sandbox.test',
      name: 'Sandbox User',
    })
  })

  it('accepts HTTP Basic client authentication with form-encoded credentials', async () => {
    const client = { clientId: 'id:with space', clientSecret: 'p@ss:wörd+/', redirectUris: [] }
    const sb = await start({ clients: [client] })
    const { code, verifier } = await getCode(sb)
    const params = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
    }
    const res = await token(sb, params, { auth: 'basic' })
    expect(res.status).toBe(200)
  })

  it('accepts a JSON body and a GET with query parameters', async () => {
    const sb = await start()
    const first = await getCode(sb)
    const client = sb.defaultClient
    const json = await fetch(`${sb.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'authorization_code',
        code: first.code,
        redirect_uri: REDIRECT,
        code_verifier: first.verifier,
        client_id: client.clientId,
        client_secret: client.clientSecret,
      }),
    })
    expect(json.status).toBe(200)

    const second = await getCode(sb)
    const query = new URLSearchParams({
      grant_type: 'authorization_code',
      code: second.code,
      redirect_uri: REDIRECT,
      code_verifier: second.verifier,
      client_id: client.clientId,
      client_secret: client.clientSecret,
    })
    const get = await fetch(`${sb.url}/oauth/token?${query}`)
    expect(get.status).toBe(200)
  })

  it('refuses a wrong or missing PKCE verifier with invalid_grant', async () => {
    const sb = await start()
    const { code } = await getCode(sb)
    const base = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT }
    for (const extra of [{ code_verifier: pkcePair().verifier }, {}] as Record<string, string>[]) {
      const res = await token(sb, { ...base, ...extra })
      expect(res.status).toBe(400)
      expect(await res.json()).toMatchObject({
        error: 'invalid_grant',
        error_description: expect.any(String),
      })
    }
  })

  it('refuses a verifier for a code that had no challenge', async () => {
    const sb = await start()
    const { code } = await getCode(sb, { code_challenge: '', code_challenge_method: '' })
    const res = await token(sb, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      code_verifier: pkcePair().verifier,
    })
    expect(await res.json()).toMatchObject({ error: 'invalid_grant' })
  })

  it('refuses a reused code and revokes the tokens the first use issued', async () => {
    const sb = await start()
    const { code, verifier } = await getCode(sb)
    const params = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
    }
    const first = (await (await token(sb, params)).json()) as Record<string, string>
    expect((await me(sb, first.access_token)).status).toBe(200)

    const second = await token(sb, params)
    expect(second.status).toBe(400)
    expect(await second.json()).toMatchObject({ error: 'invalid_grant' })
    expect((await me(sb, first.access_token)).status).toBe(401)
    const refresh = await token(sb, {
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token!,
    })
    expect(await refresh.json()).toMatchObject({ error: 'invalid_grant' })
  })

  it('refuses a redirect_uri that differs from the authorization request', async () => {
    const sb = await start()
    const { code, verifier } = await getCode(sb)
    const res = await token(sb, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: 'http://127.0.0.1:9999/other',
      code_verifier: verifier,
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: 'invalid_grant' })
  })

  it('refuses a code issued to another client', async () => {
    const sb = await start()
    const other = { clientId: 'other', clientSecret: 'other-secret', redirectUris: [] }
    sb.registerClient(other)
    const { code, verifier } = await getCode(sb)
    const params = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
    }
    const res = await token(sb, params, { client: other })
    expect(await res.json()).toMatchObject({ error: 'invalid_grant' })
  })

  it('refuses a code older than 60 seconds', async () => {
    let now = 1_700_000_000_000
    const sb = await start({ now: () => now })
    const { code, verifier } = await getCode(sb)
    now += 61_000
    const res = await token(sb, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
    })
    expect(await res.json()).toMatchObject({ error: 'invalid_grant' })
  })
})

describe('client authentication', () => {
  it('answers 401 invalid_client for a wrong secret, by Basic or in the body', async () => {
    const sb = await start()
    const wrong = { ...sb.defaultClient, clientSecret: 'wrong' }
    for (const auth of ['basic', 'post'] as const) {
      const res = await token(sb, { grant_type: 'client_credentials' }, { client: wrong, auth })
      expect(res.status, auth).toBe(401)
      expect(await res.json()).toMatchObject({ error: 'invalid_client' })
    }
  })

  it('answers 401 invalid_client for an unknown client or no authentication', async () => {
    const sb = await start()
    const unknown = { clientId: 'ghost', clientSecret: 'x', redirectUris: [] }
    const res = await token(sb, { grant_type: 'client_credentials' }, { client: unknown })
    expect(res.status).toBe(401)
    const none = await token(sb, { grant_type: 'client_credentials' }, { auth: 'none' })
    expect(none.status).toBe(401)
  })

  it('refuses two authentication methods in one request', async () => {
    const sb = await start()
    const res = await token(
      sb,
      { grant_type: 'client_credentials', client_secret: sb.defaultClient.clientSecret },
      { auth: 'basic' },
    )
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: 'invalid_request' })
  })
})

describe('refresh token grant', () => {
  it('rotates the refresh token and refuses the old one', async () => {
    const sb = await start()
    const first = await exchange(sb)
    const refreshed = await token(sb, {
      grant_type: 'refresh_token',
      refresh_token: String(first.refresh_token),
    })
    expect(refreshed.status).toBe(200)
    const second = (await refreshed.json()) as Record<string, unknown>
    expect(second.refresh_token).toEqual(expect.any(String))
    expect(second.refresh_token).not.toBe(first.refresh_token)
    expect(second.access_token).not.toBe(first.access_token)
    expect((await me(sb, second.access_token)).status).toBe(200)

    const old = await token(sb, {
      grant_type: 'refresh_token',
      refresh_token: String(first.refresh_token),
    })
    expect(old.status).toBe(400)
    expect(await old.json()).toMatchObject({ error: 'invalid_grant' })

    const next = await token(sb, {
      grant_type: 'refresh_token',
      refresh_token: String(second.refresh_token),
    })
    expect(next.status).toBe(200)
  })

  it('narrows scope on request but refuses to widen it', async () => {
    const sb = await start()
    const first = await exchange(sb)
    const narrow = await token(sb, {
      grant_type: 'refresh_token',
      refresh_token: String(first.refresh_token),
      scope: 'read',
    })
    const narrowed = (await narrow.json()) as Record<string, unknown>
    expect(narrowed.scope).toBe('read')
    const wide = await token(sb, {
      grant_type: 'refresh_token',
      refresh_token: String(narrowed.refresh_token),
      scope: 'read admin',
    })
    expect(await wide.json()).toMatchObject({ error: 'invalid_scope' })
  })

  it('refuses every refresh token after revokeRefreshTokens', async () => {
    const sb = await start()
    const first = await exchange(sb)
    sb.revokeRefreshTokens()
    const res = await token(sb, {
      grant_type: 'refresh_token',
      refresh_token: String(first.refresh_token),
    })
    expect(await res.json()).toMatchObject({ error: 'invalid_grant' })
  })
})

describe('client credentials grant', () => {
  it('issues an access token without a refresh token', async () => {
    const sb = await start({ accessTokenTtl: 120 })
    const res = await token(sb, { grant_type: 'client_credentials', scope: 'read' })
    expect(res.status).toBe(200)
    const body = (await res.json()) as Record<string, unknown>
    expect(body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 120,
      scope: 'read',
    })
    const items = await fetch(`${sb.url}/api/items`, {
      headers: { authorization: `Bearer ${String(body.access_token)}` },
    })
    expect(items.status).toBe(200)
  })
})

describe('token endpoint', () => {
  it('answers unsupported_grant_type and invalid_request for a bad grant_type', async () => {
    const sb = await start()
    const res = await token(sb, { grant_type: 'password' })
    expect(await res.json()).toMatchObject({ error: 'unsupported_grant_type' })
    const missing = await token(sb, {})
    expect(await missing.json()).toMatchObject({ error: 'invalid_request' })
  })

  it('answers the configured failure once, then behaves again', async () => {
    const sb = await start()
    sb.setConfig({ failNextToken: { status: 503, body: { error: 'temporarily_unavailable' } } })
    const failed = await token(sb, { grant_type: 'client_credentials' })
    expect(failed.status).toBe(503)
    expect(await failed.json()).toEqual({ error: 'temporarily_unavailable' })
    const ok = await token(sb, { grant_type: 'client_credentials' })
    expect(ok.status).toBe(200)
  })

  it('serves a string failure body verbatim with its own headers', async () => {
    const sb = await start()
    sb.setConfig({
      failNextToken: {
        status: 502,
        body: '<html>Bad gateway</html>',
        headers: { 'content-type': 'text/html' },
      },
    })
    const failed = await token(sb, { grant_type: 'client_credentials' })
    expect(failed.status).toBe(502)
    expect(failed.headers.get('content-type')).toBe('text/html')
    expect(await failed.text()).toBe('<html>Bad gateway</html>')
  })

  it('counts token requests by grant type, failed ones included', async () => {
    const sb = await start()
    const first = await exchange(sb)
    await token(sb, { grant_type: 'refresh_token', refresh_token: String(first.refresh_token) })
    await token(sb, { grant_type: 'refresh_token', refresh_token: String(first.refresh_token) })
    await token(sb, { grant_type: 'client_credentials' })
    await fetch(`${sb.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(sb.basicUser),
    })
    expect(sb.stats().tokenRequests).toEqual({
      authorization_code: 1,
      refresh_token: 2,
      client_credentials: 1,
      password_login: 1,
    })
    sb.resetStats()
    expect(sb.stats().tokenRequests.refresh_token).toBe(0)
  })
})

describe('issuedSecrets', () => {
  it('lists every secret the sandbox knows or issued, rotated and used ones included', async () => {
    const sb = await start({ users: [{ username: 'ada', password: 'ada-password-1' }] })
    const { code, verifier } = await getCode(sb)
    const exchange = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
    }
    const first = (await (await token(sb, exchange)).json()) as Record<string, string>
    const refresh = { grant_type: 'refresh_token', refresh_token: String(first['refresh_token']) }
    const rotated = (await (await token(sb, refresh)).json()) as Record<string, string>
    const secrets = sb.issuedSecrets()
    for (const value of [
      sb.defaultClient.clientSecret,
      sb.apiKey,
      sb.basicUser.password,
      'ada-password-1',
      code,
      first['access_token'],
      first['refresh_token'],
      rotated['access_token'],
      rotated['refresh_token'],
    ]) {
      expect(secrets).toContain(value)
    }
    expect(secrets).not.toContain(sb.basicUser.username)
  })
})
