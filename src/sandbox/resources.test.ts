import { afterEach, describe, expect, it } from 'vitest'
import { startSandbox } from './index.js'
import type { Sandbox, SandboxOptions } from './index.js'

let sandbox: Sandbox | undefined

async function start(options?: SandboxOptions): Promise<Sandbox> {
  sandbox = await startSandbox(options)
  return sandbox
}

afterEach(async () => {
  await sandbox?.close()
  sandbox = undefined
})

function bearer(value: unknown): { authorization: string } {
  return { authorization: `Bearer ${String(value)}` }
}

function basic(username: string, password: string): { authorization: string } {
  return { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` }
}

/** A user-bound token pair through the full code flow, without PKCE. */
async function codeFlowTokens(sb: Sandbox): Promise<Record<string, string>> {
  sb.setConfig({ autoApprove: true })
  const redirectUri = 'http://localhost:8080/cb'
  const authorize = new URL('/oauth/authorize', sb.url)
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: sb.defaultClient.clientId,
    redirect_uri: redirectUri,
  }).toString()
  const back = await fetch(authorize, { redirect: 'manual' })
  const code = new URL(back.headers.get('location')!).searchParams.get('code')!
  const res = await fetch(`${sb.url}/oauth/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      client_id: sb.defaultClient.clientId,
      client_secret: sb.defaultClient.clientSecret,
    }),
  })
  expect(res.status).toBe(200)
  return (await res.json()) as Record<string, string>
}

async function login(sb: Sandbox): Promise<string> {
  const res = await fetch(`${sb.url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(sb.basicUser),
  })
  expect(res.status).toBe(200)
  return ((await res.json()) as { token: string }).token
}

describe('bearer resources', () => {
  it('answers 401 invalid_token without a token or with an unknown one', async () => {
    const sb = await start()
    for (const headers of [{}, bearer('nope'), { authorization: 'Basic abc' }]) {
      const res = await fetch(`${sb.url}/me`, { headers })
      expect(res.status).toBe(401)
      expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"')
      expect(await res.json()).toMatchObject({ error: 'invalid_token' })
    }
  })

  it('answers 401 after expireAccessTokens until the client refreshes', async () => {
    const sb = await start()
    const tokens = await codeFlowTokens(sb)
    expect((await fetch(`${sb.url}/me`, { headers: bearer(tokens.access_token) })).status).toBe(200)
    sb.expireAccessTokens()
    const expired = await fetch(`${sb.url}/me`, { headers: bearer(tokens.access_token) })
    expect(expired.status).toBe(401)
    expect(expired.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"')

    const refreshed = await fetch(`${sb.url}/oauth/token`, {
      method: 'POST',
      headers: basic(sb.defaultClient.clientId, sb.defaultClient.clientSecret),
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token!,
      }),
    })
    const fresh = (await refreshed.json()) as Record<string, string>
    expect((await fetch(`${sb.url}/me`, { headers: bearer(fresh.access_token) })).status).toBe(200)
  })

  it('expires access tokens after accessTokenTtl seconds', async () => {
    let now = 1_700_000_000_000
    const sb = await start({ now: () => now, accessTokenTtl: 60 })
    const tokens = await codeFlowTokens(sb)
    now += 59_000
    expect((await fetch(`${sb.url}/me`, { headers: bearer(tokens.access_token) })).status).toBe(200)
    now += 1_000
    expect((await fetch(`${sb.url}/me`, { headers: bearer(tokens.access_token) })).status).toBe(401)
  })

  it('lists items, page by page with limit and next_cursor', async () => {
    const sb = await start()
    const { access_token } = await codeFlowTokens(sb)
    const all = await fetch(`${sb.url}/api/items`, { headers: bearer(access_token) })
    expect(await all.json()).toEqual({
      items: [
        { id: '1', name: 'First' },
        { id: '2', name: 'Second' },
      ],
    })

    const first = await fetch(`${sb.url}/api/items?limit=1`, { headers: bearer(access_token) })
    const page1 = (await first.json()) as { items: unknown[]; next_cursor: string }
    expect(page1.items).toEqual([{ id: '1', name: 'First' }])
    expect(page1.next_cursor).toEqual(expect.any(String))
    const second = await fetch(`${sb.url}/api/items?limit=1&cursor=${page1.next_cursor}`, {
      headers: bearer(access_token),
    })
    expect(await second.json()).toEqual({ items: [{ id: '2', name: 'Second' }] })

    const bad = await fetch(`${sb.url}/api/items?cursor=garbage`, { headers: bearer(access_token) })
    expect(bad.status).toBe(400)
  })

  it('echoes method, headers without authorization, query and body', async () => {
    const sb = await start()
    const { access_token } = await codeFlowTokens(sb)
    const res = await fetch(`${sb.url}/api/echo?a=1&a=2&b=x`, {
      method: 'POST',
      headers: { ...bearer(access_token), 'content-type': 'application/json', 'x-trace': 't1' },
      body: JSON.stringify({ hello: 'world' }),
    })
    const echo = (await res.json()) as Record<string, unknown> & { headers: Record<string, string> }
    expect(echo).toMatchObject({
      method: 'POST',
      query: { a: ['1', '2'], b: 'x' },
      body: { hello: 'world' },
    })
    expect(echo.headers['x-trace']).toBe('t1')
    expect(echo.headers).not.toHaveProperty('authorization')
  })

  it('counts API calls, rejected ones included', async () => {
    const sb = await start()
    const { access_token } = await codeFlowTokens(sb)
    await fetch(`${sb.url}/me`, { headers: bearer(access_token) })
    await fetch(`${sb.url}/me`)
    await fetch(`${sb.url}/api/items`, { headers: bearer(access_token) })
    await fetch(`${sb.url}/health`)
    expect(sb.stats().apiCalls).toBe(3)
  })
})

describe('API key', () => {
  it('accepts the key in X-API-Key, in api_key and as Authorization: Token', async () => {
    const sb = await start()
    const placements: [string, RequestInit][] = [
      ['/apikey/me', { headers: { 'x-api-key': sb.apiKey } }],
      [`/apikey/me?api_key=${encodeURIComponent(sb.apiKey)}`, {}],
      ['/apikey/me', { headers: { authorization: `Token ${sb.apiKey}` } }],
    ]
    for (const [path, init] of placements) {
      const res = await fetch(`${sb.url}${path}`, init)
      expect(res.status, path).toBe(200)
      expect(await res.json()).toEqual({ id: 'k_1', name: 'API key user' })
    }
  })

  it('accepts configured keys and refuses others with invalid_api_key', async () => {
    const sb = await start({ apiKeys: ['configured-key'] })
    const ok = await fetch(`${sb.url}/apikey/me`, { headers: { 'x-api-key': 'configured-key' } })
    expect(ok.status).toBe(200)
    for (const headers of [{ 'x-api-key': 'wrong' }, {}] as Record<string, string>[]) {
      const res = await fetch(`${sb.url}/apikey/me`, { headers })
      expect(res.status).toBe(401)
      expect(await res.json()).toEqual({
        error: 'invalid_api_key',
        message: 'The API key is not valid',
      })
    }
  })
})

describe('HTTP Basic', () => {
  it('returns the account for the right credentials', async () => {
    const sb = await start({ basicUsers: [{ username: 'ann', password: 'pw:with:colons' }] })
    const demo = await fetch(`${sb.url}/basic/me`, {
      headers: basic(sb.basicUser.username, sb.basicUser.password),
    })
    expect(await demo.json()).toEqual({ id: 'b_1', username: 'demo' })
    const ann = await fetch(`${sb.url}/basic/me`, { headers: basic('ann', 'pw:with:colons') })
    expect(await ann.json()).toEqual({ id: 'b_2', username: 'ann' })
  })

  it('answers 401 with a Basic challenge for wrong or missing credentials', async () => {
    const sb = await start()
    for (const headers of [basic('demo', 'wrong'), {}]) {
      const res = await fetch(`${sb.url}/basic/me`, { headers })
      expect(res.status).toBe(401)
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="sandbox"/)
    }
  })
})

describe('password login', () => {
  it('trades JSON or form credentials for a token that works on /api/items', async () => {
    const sb = await start({ accessTokenTtl: 900 })
    const token = await login(sb)
    const form = await fetch(`${sb.url}/login`, {
      method: 'POST',
      body: new URLSearchParams({ ...sb.basicUser }),
    })
    expect(await form.json()).toEqual({ token: expect.any(String), expires_in: 900 })

    const items = await fetch(`${sb.url}/api/items`, { headers: bearer(token) })
    expect(items.status).toBe(200)
    const whoami = await fetch(`${sb.url}/login/me`, { headers: bearer(token) })
    expect(await whoami.json()).toEqual({ id: 'p_1', username: 'demo' })
    // A login token is not an OAuth access token.
    expect((await fetch(`${sb.url}/me`, { headers: bearer(token) })).status).toBe(401)
  })

  it('answers 401 invalid_credentials for a wrong password', async () => {
    const sb = await start()
    const res = await fetch(`${sb.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'demo', password: 'wrong' }),
    })
    expect(res.status).toBe(401)
    expect(await res.json()).toEqual({ error: 'invalid_credentials' })
  })

  it('accepts extra users and expires their tokens with expireAccessTokens', async () => {
    const sb = await start({ users: [{ username: 'bob', password: 'hunter2' }] })
    const res = await fetch(`${sb.url}/login`, {
      method: 'POST',
      body: new URLSearchParams({ username: 'bob', password: 'hunter2' }),
    })
    const { token } = (await res.json()) as { token: string }
    expect((await fetch(`${sb.url}/login/me`, { headers: bearer(token) })).status).toBe(200)
    sb.expireAccessTokens()
    expect((await fetch(`${sb.url}/login/me`, { headers: bearer(token) })).status).toBe(401)
  })
})

describe('server', () => {
  it('reports health, 404 for unknown paths and 405 with Allow for wrong methods', async () => {
    const sb = await start()
    expect(sb.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(await (await fetch(`${sb.url}/health`)).json()).toEqual({ ok: true })
    expect((await fetch(`${sb.url}/nope`)).status).toBe(404)
    const wrong = await fetch(`${sb.url}/me`, { method: 'DELETE' })
    expect(wrong.status).toBe(405)
    expect(wrong.headers.get('allow')).toBe('GET')
  })

  it('creates one default client with a random 32-byte hex secret', async () => {
    const sb = await start()
    expect(sb.clients).toHaveLength(1)
    expect(sb.defaultClient).toEqual({
      clientId: 'sandbox-client',
      clientSecret: expect.stringMatching(/^[0-9a-f]{64}$/),
      redirectUris: [],
    })
  })

  it('refuses an invalid client registration with a TypeError', async () => {
    const sb = await start()
    expect(() =>
      sb.registerClient({ clientId: 'x', clientSecret: 'y', redirectUris: ['not a url'] }),
    ).toThrow(TypeError)
  })
})
