import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { apiKey, basic, defineConnector } from '../src/kit/index.js'
import {
  basicHeader,
  callCapability,
  createRecorder,
  credentialsOf,
  expectNoSecretsShown,
  putConnector,
  putIntegration,
  secretsIn,
} from './helpers/connectors.js'
import { startHarness } from './helpers/harness.js'
import type { Harness } from './helpers/harness.js'

const WRONG_KEY = 'wrong-key-0123456789abcdef'
const WRONG_PASSWORD = 'wrong-password-0123456789'

/** What a user observes must never contain these; filled as tests create them. */
const secrets: string[] = [WRONG_KEY, WRONG_PASSWORD]
const errorBodies: unknown[] = []

const identity = z.object({ id: z.string(), name: z.string() })
const account = z.object({ id: z.string(), username: z.string() })

function codeConnectors(url: string) {
  return [
    defineConnector({
      id: 'key-query',
      name: 'API key in the query',
      baseUrl: url,
      settings: z.object({}),
      auth: apiKey({
        queryParam: 'api_key',
        validate: '/apikey/me',
        validateError: (failure) =>
          failure.status === 401 ? 'The sandbox did not accept this API key' : undefined,
      }),
      capabilities: {
        whoami: {
          request: z.object({}),
          response: identity,
          run: async (ctx) => identity.parse(await ctx.fetchJson('/apikey/me')),
        },
      },
    }),
    defineConnector({
      id: 'key-domain',
      name: 'API key with a domain, base URL from settings',
      baseUrl: '{{host}}',
      allowHttp: 'loopback',
      settings: z.object({ host: z.url() }),
      auth: apiKey({
        fields: { domain: { label: 'Domain' }, apiKey: { label: 'API key' } },
        header: 'X-API-Key',
        validate: '/apikey/me',
        profile: {
          request: async (ctx) => {
            const me = identity.parse(await (await ctx.fetch('/apikey/me')).json())
            return { ...me, domain: String(ctx.credentials['domain']) }
          },
          accountName: (profile) => {
            const me = profile as { name: string; domain: string }
            return `${me.name}@${me.domain}`
          },
        },
      }),
      capabilities: {
        whereami: {
          request: z.object({}),
          response: z.object({ baseUrl: z.string(), domain: z.string(), name: z.string() }),
          run: async (ctx) => {
            const me = identity.parse(await ctx.fetchJson('/apikey/me'))
            return {
              baseUrl: ctx.baseUrl,
              domain: String(ctx.credentials['domain']),
              name: me.name,
            }
          },
        },
      },
    }),
    defineConnector({
      id: 'basic-pw',
      name: 'HTTP Basic',
      baseUrl: url,
      settings: z.object({}),
      auth: basic({
        validate: '/basic/me',
        validateError: (failure) =>
          failure.status === 401 ? 'Wrong username or password' : undefined,
        profile: { request: '/basic/me', accountName: 'username' },
      }),
      capabilities: {
        whoami: {
          request: z.object({}),
          response: account,
          run: async (ctx) => account.parse(await ctx.fetchJson('/basic/me')),
        },
      },
    }),
  ]
}

function jsonConnectors(url: string) {
  return {
    'key-header': {
      name: 'API key in X-API-Key',
      baseUrl: url,
      settings: { type: 'object' },
      auth: {
        type: 'api_key',
        header: 'X-API-Key',
        validate: '/apikey/me',
        profile: { request: '/apikey/me', accountName: 'name' },
      },
    },
    'key-template': {
      name: 'API key in a templated Authorization header',
      baseUrl: url,
      settings: { type: 'object' },
      auth: {
        type: 'api_key',
        headers: { Authorization: 'Token {{apiKey}}' },
        validate: '/apikey/me',
      },
    },
    'login-pw': {
      name: 'Password login for a bearer token',
      baseUrl: url,
      settings: { type: 'object' },
      auth: {
        type: 'password',
        login: {
          request: {
            url: '/login',
            method: 'POST',
            body: { username: '{{username}}', password: '{{password}}' },
          },
          tokenPath: 'token',
          expiresInPath: 'expires_in',
        },
        validate: '/login/me',
        profile: { request: '/login/me', accountName: 'username' },
      },
    },
  }
}

async function setUp(options: Parameters<typeof startHarness>[0] = {}) {
  const h = await startHarness({ connectors: (sandbox) => codeConnectors(sandbox.url), ...options })
  for (const [id, json] of Object.entries(jsonConnectors(h.sandbox.url))) {
    await putConnector(h, id, json)
    await putIntegration(h, id, id)
  }
  for (const id of ['key-query', 'key-domain', 'basic-pw']) await putIntegration(h, id, id)
  secrets.push(h.sandbox.apiKey, h.sandbox.basicUser.password)
  return h
}

async function connectionCount(h: Harness) {
  return (await h.api('GET', '/connections')).body.connections.length as number
}

describe('API keys against the sandbox', () => {
  let h: Harness
  const recorder = createRecorder()
  beforeAll(async () => {
    h = await setUp({ runtime: { fetch: recorder.fetch } })
  })
  afterAll(async () => h.close())

  it('sends the key in the X-API-Key header and names the account from the profile', async () => {
    recorder.reset()
    const created = await h.api('POST', '/connections', {
      integration: 'key-header',
      auth: { api_key: h.sandbox.apiKey },
    })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({
      integration: 'key-header',
      account_name: 'API key user',
      status: 'active',
    })
    expect(created.body.expires_at).toBeNull()
    const [validate] = recorder.to('/apikey/me')
    expect(validate?.headers.get('x-api-key')).toBe(h.sandbox.apiKey)
    expect(validate?.headers.has('authorization')).toBe(false)
    expect(validate?.url.searchParams.has('api_key')).toBe(false)

    const check = await callCapability(h, created.body.id, 'validate_credentials')
    expect(check.body).toEqual({
      response: { valid: true, unique_tenant_id: 'API key user' },
      page: null,
      error: null,
    })
    expect(await credentialsOf(h, created.body.id)).toEqual({ api_key: h.sandbox.apiKey })
  })

  it('sends the key as the api_key query parameter', async () => {
    const created = await h.api('POST', '/connections', {
      integration: 'key-query',
      auth: { api_key: h.sandbox.apiKey },
    })
    expect(created.status).toBe(201)
    recorder.reset()
    const whoami = await callCapability(h, created.body.id, 'whoami')
    expect(whoami.body).toMatchObject({
      response: { id: 'k_1', name: 'API key user' },
      error: null,
    })
    const [call] = recorder.to('/apikey/me')
    expect(call?.url.searchParams.get('api_key')).toBe(h.sandbox.apiKey)
    expect(call?.headers.has('x-api-key')).toBe(false)
    expect(call?.headers.has('authorization')).toBe(false)
  })

  it('sends the key through an "Authorization: Token {{apiKey}}" template', async () => {
    recorder.reset()
    const created = await h.api('POST', '/connections', {
      integration: 'key-template',
      auth: { api_key: h.sandbox.apiKey },
    })
    expect(created.status).toBe(201)
    const [validate] = recorder.to('/apikey/me')
    expect(validate?.headers.get('authorization')).toBe(`Token ${h.sandbox.apiKey}`)
    const check = await callCapability(h, created.body.id, 'validate_credentials')
    // No profile and no tenantId: the tenant is the host the connector talks to.
    expect(check.body.response).toEqual({ valid: true, unique_tenant_id: new URL(h.sandbox.url).host })
  })

  it('takes extra auth fields and a base URL templated from settings', async () => {
    const host = h.sandbox.url
    recorder.reset()
    const created = await h.api('POST', '/connections', {
      integration: 'key-domain',
      settings: { host },
      auth: { domain: 'acme', api_key: h.sandbox.apiKey },
    })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ account_name: 'API key user@acme', settings: { host } })
    expect(recorder.to('/apikey/me')[0]?.url.origin).toBe(h.sandbox.url)

    const where = await callCapability(h, created.body.id, 'whereami')
    expect(where.body.response).toEqual({
      baseUrl: h.sandbox.url,
      domain: 'acme',
      name: 'API key user',
    })
    expect(await credentialsOf(h, created.body.id)).toEqual({
      domain: 'acme',
      api_key: h.sandbox.apiKey,
    })
  })

  it('refuses a wrong key at POST /connections and stores nothing', async () => {
    const before = await connectionCount(h)
    const worded = await h.api('POST', '/connections', {
      integration: 'key-query',
      auth: { api_key: WRONG_KEY },
    })
    expect(worded.status).toBe(401)
    expect(worded.body.error).toMatchObject({
      code: 'unauthorized',
      message: 'The sandbox did not accept this API key',
    })

    for (const integration of ['key-header', 'key-template']) {
      const refused = await h.api('POST', '/connections', {
        integration,
        auth: { api_key: WRONG_KEY },
      })
      expect(refused.status).toBe(401)
      expect(refused.body.error.code).toBe('unauthorized')
      expect(refused.body.error.message).toContain('/apikey/me answered 401')
      errorBodies.push(refused.body)
    }
    const domain = await h.api('POST', '/connections', {
      integration: 'key-domain',
      connection_id: 'wrong-key-domain',
      settings: { host: h.sandbox.url },
      auth: { domain: 'acme', apiKey: WRONG_KEY },
    })
    expect(domain.status).toBe(401)
    errorBodies.push(worded.body, domain.body)
    expect(await connectionCount(h)).toBe(before)
    expect((await h.api('GET', '/connections/wrong-key-domain')).status).toBe(404)
  })

  it('answers 400 bad_request naming auth.api_key when the key is missing', async () => {
    const before = await connectionCount(h)
    const calls = h.sandbox.stats().apiCalls
    const missing = await h.api('POST', '/connections', { integration: 'key-header', auth: {} })
    expect(missing.status).toBe(400)
    expect(missing.body.error.code).toBe('bad_request')
    expect(missing.body.error.message).toContain('auth.api_key')

    const onlyDomain = await h.api('POST', '/connections', {
      integration: 'key-domain',
      settings: { host: h.sandbox.url },
      auth: { domain: 'acme' },
    })
    expect(onlyDomain.status).toBe(400)
    expect(onlyDomain.body.error.details.problems).toEqual(['auth.api_key: required'])
    expect(h.sandbox.stats().apiCalls).toBe(calls)
    expect(await connectionCount(h)).toBe(before)
  })

  it('shows no API key outside /credentials', async () => {
    expect(await expectNoSecretsShown(h, secrets, errorBodies)).toBe(4)
  })
})

describe('passwords against the sandbox', () => {
  let h: Harness
  const recorder = createRecorder()
  beforeAll(async () => {
    h = await setUp({ runtime: { fetch: recorder.fetch } })
  })
  afterAll(async () => h.close())

  it('sends HTTP Basic to /basic/me on every request', async () => {
    const { username, password } = h.sandbox.basicUser
    recorder.reset()
    const created = await h.api('POST', '/connections', {
      integration: 'basic-pw',
      auth: { username, password },
    })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({
      account_name: username,
      status: 'active',
      expires_at: null,
    })
    const whoami = await callCapability(h, created.body.id, 'whoami')
    expect(whoami.body).toMatchObject({ response: { id: 'b_1', username }, error: null })
    const sent = recorder.to('/basic/me')
    expect(sent.length).toBe(3)
    for (const request of sent)
      expect(request.headers.get('authorization')).toBe(basicHeader(username, password))
  })

  it("refuses a wrong password in the connector's words and stores nothing", async () => {
    const before = await connectionCount(h)
    const refused = await h.api('POST', '/connections', {
      integration: 'basic-pw',
      auth: { username: h.sandbox.basicUser.username, password: WRONG_PASSWORD },
    })
    expect(refused.status).toBe(401)
    expect(refused.body.error).toMatchObject({
      code: 'unauthorized',
      message: 'Wrong username or password',
    })
    errorBodies.push(refused.body)
    expect(await connectionCount(h)).toBe(before)
  })

  it('logs in once and uses the token as a bearer on /login/me', async () => {
    const { username, password } = h.sandbox.basicUser
    const logins = h.sandbox.stats().tokenRequests.password_login
    recorder.reset()
    const created = await h.api('POST', '/connections', {
      integration: 'login-pw',
      auth: { username, password },
    })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ account_name: username, status: 'active' })
    expect(created.body.expires_at).toBeGreaterThan(Date.now() / 1000 + 3000)
    expect(h.sandbox.stats().tokenRequests.password_login).toBe(logins + 1)

    const [login] = recorder.to('/login')
    expect(login?.method).toBe('POST')
    expect(JSON.parse(login?.body as string)).toEqual({ username, password })
    const credentials = await credentialsOf(h, created.body.id)
    expect(credentials).toMatchObject({ username, password, token: expect.any(String) })
    expect(recorder.to('/login/me')[0]?.headers.get('authorization')).toBe(
      `Bearer ${credentials['token']}`,
    )
    secrets.push(...secretsIn(credentials))

    const info = await callCapability(h, created.body.id, 'get_user_info')
    expect(info.body.response).toMatchObject({ account_name: username })
    expect(h.sandbox.stats().tokenRequests.password_login).toBe(logins + 1)
  })

  it('logs in again after a 401 and retries the call', async () => {
    const { username, password } = h.sandbox.basicUser
    const created = await h.api('POST', '/connections', {
      integration: 'login-pw',
      auth: { username, password },
    })
    const before = await credentialsOf(h, created.body.id)
    h.sandbox.expireAccessTokens()
    const logins = h.sandbox.stats().tokenRequests.password_login

    const check = await callCapability(h, created.body.id, 'validate_credentials')
    expect(check.status).toBe(200)
    expect(check.body.response).toMatchObject({ valid: true })
    expect(h.sandbox.stats().tokenRequests.password_login).toBe(logins + 1)
    const after = await credentialsOf(h, created.body.id)
    expect(after['token']).not.toBe(before['token'])
    secrets.push(...secretsIn(before), ...secretsIn(after))
  })

  it('refuses a wrong password at login and stores nothing', async () => {
    const before = await connectionCount(h)
    const logins = h.sandbox.stats().tokenRequests.password_login
    const refused = await h.api('POST', '/connections', {
      integration: 'login-pw',
      auth: { username: h.sandbox.basicUser.username, password: WRONG_PASSWORD },
    })
    expect(refused.status).toBe(401)
    expect(refused.body.error.code).toBe('unauthorized')
    expect(h.sandbox.stats().tokenRequests.password_login).toBe(logins + 1)
    errorBodies.push(refused.body)
    expect(await connectionCount(h)).toBe(before)
  })

  it('answers 400 naming auth.password when it is missing', async () => {
    const missing = await h.api('POST', '/connections', {
      integration: 'login-pw',
      auth: { username: 'demo' },
    })
    expect(missing.status).toBe(400)
    expect(missing.body.error.message).toContain('auth.password')
  })

  it('shows no password or login token outside /credentials', async () => {
    expect(await expectNoSecretsShown(h, secrets, errorBodies)).toBe(3)
  })
})

describe('password login renewed ahead of expiry', () => {
  let h: Harness
  // The runtime's clock, moved by the test: no waiting for tokens to age.
  let offset = 0
  beforeAll(async () => {
    // Login tokens live 60 s: the 300 s margin is capped at half that (issue 8 item 7), so a
    // read 31 s after a login logs in again.
    h = await setUp({
      sandbox: { accessTokenTtl: 60 },
      runtime: { refreshMargin: 300, now: () => Math.floor(Date.now() / 1000) + offset },
    })
  })
  afterAll(async () => h.close())

  it('logs in again on GET /credentials before the token expires', async () => {
    const { username, password } = h.sandbox.basicUser
    const created = await h.api('POST', '/connections', {
      integration: 'login-pw',
      auth: { username, password },
    })
    expect(created.status).toBe(201)
    const stored = await h.patchbay.connections.get(created.body.id)
    const logins = h.sandbox.stats().tokenRequests.password_login
    const early = await h.api('GET', `/connections/${created.body.id}/credentials`)
    expect(early.body.credentials.token).toBe(stored?.credentials['token'])

    offset += 31
    const answer = await h.api('GET', `/connections/${created.body.id}/credentials`)
    expect(answer.status).toBe(200)
    expect(answer.body.credentials.token).not.toBe(stored?.credentials['token'])
    expect(answer.body.expires_at).toBeGreaterThan(Date.now() / 1000)
    expect(h.sandbox.stats().tokenRequests.password_login).toBe(logins + 1)
    expect(h.events).toContainEqual({ type: 'connection.refreshed', connectionId: created.body.id })
  })
})

describe('a provider that echoes the credentials it refuses', () => {
  let h: Harness
  let provider: ReturnType<typeof createServer>
  beforeAll(async () => {
    // Recorded from providers that quote the rejected key or user back in their error message.
    provider = createServer((req, res) => {
      const quoted = req.headers['x-api-key'] ?? req.headers['authorization'] ?? ''
      res.writeHead(401, { 'content-type': 'application/json' })
      res.end(
        JSON.stringify({ error: 'invalid_api_key', message: `Invalid credentials: ${quoted}` }),
      )
    })
    await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`
    h = await startHarness()
    await putConnector(h, 'echoing-key', {
      name: 'Echoing provider',
      baseUrl: url,
      settings: { type: 'object' },
      auth: { type: 'api_key', header: 'X-API-Key', validate: '/me' },
    })
    await putIntegration(h, 'echoing-key', 'echoing-key')
    await putConnector(h, 'echoing-basic', {
      name: 'Echoing provider, Basic',
      baseUrl: url,
      settings: { type: 'object' },
      auth: { type: 'basic', validate: '/me' },
    })
    await putIntegration(h, 'echoing-basic', 'echoing-basic')
  })
  afterAll(async () => {
    await h.close()
    await new Promise((resolve) => provider.close(resolve))
  })

  it('keeps a refused API key out of the POST /connections error body', async () => {
    const refused = await h.api('POST', '/connections', {
      integration: 'echoing-key',
      auth: { api_key: WRONG_KEY },
    })
    expect(refused.status).toBe(401)
    expect(refused.body.error.code).toBe('unauthorized')
    expect(refused.body.error.details).toMatchObject({ error: 'invalid_api_key', status: 401 })
    expect(refused.body.error.message).toContain('[redacted]')
    expect(JSON.stringify(refused.body)).not.toContain(WRONG_KEY)
  })

  it('keeps a refused password (and its Basic encoding) out of the error body', async () => {
    const auth = { username: 'someone', password: WRONG_PASSWORD }
    const refused = await h.api('POST', '/connections', { integration: 'echoing-basic', auth })
    expect(refused.status).toBe(401)
    const shown = JSON.stringify(refused.body)
    expect(shown).not.toContain(WRONG_PASSWORD)
    expect(shown).not.toContain(basicHeader(auth.username, auth.password).slice('Basic '.length))
  })
})
