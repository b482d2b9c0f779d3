import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { PatchbayError } from '../src/errors.js'
import { signRequest } from '../src/engines/oauth1/index.js'
import { defineConnector, oauth1 } from '../src/kit/index.js'
import type { FetchLike } from '../src/runtime/index.js'
import type { SandboxClient } from '../src/sandbox/index.js'
import {
  callCapability,
  credentialsOf,
  putConnector,
  putIntegration,
  registerClient,
} from './helpers/connectors.js'
import { cookiesOf, startHarness } from './helpers/harness.js'
import type { Harness } from './helpers/harness.js'

/** The sandbox's OAuth 1.0a server as a JSON connector, as a user would register it. */
function oauth1Connector(sandboxUrl: string, signatureMethod = 'HMAC-SHA1') {
  return {
    name: 'Sandbox OAuth 1',
    baseUrl: sandboxUrl,
    settings: { type: 'object', properties: {} },
    auth: {
      type: 'oauth1',
      requestTokenUrl: `${sandboxUrl}/oauth1/request_token`,
      authorizationUrl: `${sandboxUrl}/oauth1/authorize`,
      accessTokenUrl: `${sandboxUrl}/oauth1/access_token`,
      signatureMethod,
      profile: { request: '/oauth1/me', accountName: 'login', email: 'email' },
    },
  }
}

/** Which of the Appmixer-style overrides ran, in order. */
const overridesCalled: string[] = []

/**
 * The same provider written the Appmixer way: every OAuth 1 step in code, signing with the
 * context's `sign`, the access token checked by `validateAccessToken`.
 */
function appmixerStyle(sandboxUrl: string) {
  const form = async (response: Response) => new URLSearchParams(await response.text())
  return defineConnector({
    id: 'sandbox-oauth1-code',
    name: 'Sandbox OAuth 1 (code)',
    baseUrl: sandboxUrl,
    settings: z.object({}),
    auth: oauth1({
      requestTokenUrl: `${sandboxUrl}/unused`,
      accessTokenUrl: `${sandboxUrl}/unused`,
      requestRequestToken: async (ctx) => {
        overridesCalled.push('requestRequestToken')
        const url = `${sandboxUrl}/oauth1/request_token`
        const authorization = ctx.sign({ method: 'POST', url, callback: ctx.callbackUrl })
        const answer = await form(
          await ctx.fetch(url, { method: 'POST', headers: { authorization } }),
        )
        return {
          requestToken: answer.get('oauth_token') ?? '',
          requestTokenSecret: answer.get('oauth_token_secret') ?? '',
        }
      },
      authUrl: (ctx) => {
        overridesCalled.push('authUrl')
        return `${sandboxUrl}/oauth1/authorize?oauth_token=${encodeURIComponent(ctx.requestToken!)}`
      },
      requestAccessToken: async (ctx) => {
        overridesCalled.push('requestAccessToken')
        const url = `${sandboxUrl}/oauth1/access_token`
        const authorization = ctx.sign({ method: 'POST', url, verifier: ctx.verifier! })
        const answer = await form(
          await ctx.fetch(url, { method: 'POST', headers: { authorization } }),
        )
        return {
          accessToken: answer.get('oauth_token') ?? '',
          accessTokenSecret: answer.get('oauth_token_secret') ?? '',
        }
      },
      validateAccessToken: async (ctx) => {
        overridesCalled.push('validateAccessToken')
        const me = await ctx.fetch('/oauth1/me')
        // Appmixer's InvalidTokenError.
        if (me.status === 401) throw new PatchbayError('needs_reauth', 'The token was revoked')
        return me.json()
      },
      profile: { request: '/oauth1/me', accountName: 'login' },
    }),
  })
}

function decodeHtml(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
}

/**
 * Plays the browser through an OAuth 1 connect: Patchbay's start redirect, the sandbox consent
 * page, the decision, and Patchbay's callback. Returns everything the browser saw.
 */
async function browse(
  h: Harness,
  integration: string,
  decision: 'approve' | 'deny' = 'approve',
  extra = {},
  presentCookie = true,
) {
  const session = await h.api('POST', '/connect/sessions', { integration, ...extra })
  if (session.status !== 201) throw new Error(`connect session: ${JSON.stringify(session.body)}`)
  const start = await fetch(session.body.url, { redirect: 'manual' })
  if (start.status !== 302) throw new Error(`start answered ${start.status}: ${await start.text()}`)
  const cookie = cookiesOf(start)
  const authorizeUrl = start.headers.get('location') as string
  const page = await fetch(authorizeUrl, { redirect: 'manual' })
  const consentHtml = await page.text()
  const token = decodeHtml(/name="oauth_token" value="([^"]*)"/.exec(consentHtml)?.[1] ?? '')
  const answer = await fetch(new URL('/oauth1/authorize', authorizeUrl), {
    method: 'POST',
    body: new URLSearchParams({ oauth_token: token, decision }),
    redirect: 'manual',
  })
  const callbackUrl = answer.headers.get('location') as string
  const landing = await fetch(callbackUrl, {
    redirect: 'manual',
    headers: presentCookie ? { cookie } : {},
  })
  const landingHtml = await landing.text()
  const id = /<code>(conn_[^<]+)<\/code>/.exec(landingHtml)?.[1] ?? null
  return {
    id,
    cookie,
    authorizeUrl,
    consentHtml,
    callbackUrl,
    landing,
    landingHtml,
    seen: [
      authorizeUrl,
      consentHtml,
      callbackUrl,
      landing.headers.get('location') ?? '',
      landingHtml,
    ].join('\n'),
  }
}

describe('OAuth 1.0a connect against the sandbox, over HTTP', () => {
  let h: Harness
  let client: SandboxClient
  /** Request-token secrets as the sandbox handed them to Patchbay's runtime. */
  const requestTokenSecrets: string[] = []

  beforeAll(async () => {
    const watching: FetchLike = async (input, init) => {
      const request = new Request(input, init)
      const response = await fetch(request)
      if (new URL(request.url).pathname === '/oauth1/request_token' && response.ok) {
        const secret = new URLSearchParams(await response.clone().text()).get('oauth_token_secret')
        if (secret) requestTokenSecrets.push(secret)
      }
      return response
    }
    h = await startHarness({
      runtime: { fetch: watching },
      connectors: (sandbox) => [appmixerStyle(sandbox.url)],
    })
    client = registerClient(h.sandbox)
    await putConnector(h, 'sandbox-oauth1', oauth1Connector(h.sandbox.url))
    await putIntegration(h, 'oauth1', 'sandbox-oauth1', client)
    await putIntegration(h, 'oauth1-code', 'sandbox-oauth1-code', client)
  })
  afterAll(async () => h.close())

  it('connects through consent and names the connection from the signed profile call', async () => {
    const flow = await browse(h, 'oauth1')
    expect(flow.landing.status, flow.landingHtml).toBe(200)
    expect(flow.id).not.toBeNull()
    const authorize = new URL(flow.authorizeUrl)
    expect(authorize.origin + authorize.pathname).toBe(`${h.sandbox.url}/oauth1/authorize`)
    expect(new URL(flow.callbackUrl).searchParams.get('oauth_verifier')).toBeTruthy()
    const shown = await h.api('GET', `/connections/${flow.id}`)
    expect(shown.body).toMatchObject({
      integration: 'oauth1',
      account_name: 'sandbox-user',
      status: 'active',
    })
    expect(shown.body.expires_at).toBeNull()
    const credentials = await credentialsOf(h, flow.id!)
    expect(credentials).toMatchObject({
      token: expect.any(String),
      token_secret: expect.any(String),
      screen_name: 'sandbox-user',
    })
    expect(h.events).toContainEqual({
      type: 'connection.created',
      connectionId: flow.id,
      integrationId: 'oauth1',
    })
  })

  it('signs every API call: capabilities and the connection fetch succeed', async () => {
    const { id } = await browse(h, 'oauth1')
    const info = await callCapability(h, id!, 'get_user_info')
    expect(info.status, JSON.stringify(info.body)).toBe(200)
    expect(info.body.response).toMatchObject({
      account_name: 'sandbox-user',
      email: 'user@sandbox.test',
    })
    const valid = await callCapability(h, id!, 'validate_credentials')
    expect(valid.body.response.valid).toBe(true)

    const connection = h.patchbay.connection(id!)
    const me = await connection.fetch('/oauth1/me')
    expect(me.status).toBe(200)
    expect(await me.json()).toMatchObject({ login: 'sandbox-user' })
    // A form body and a query with a repeated name are part of the signature.
    const echo = await connection.fetch('/oauth1/echo?tag=a&tag=b%20c', {
      method: 'POST',
      body: new URLSearchParams([
        ['note', 'x+y=z & more'],
        ['note', 'é'],
      ]),
    })
    expect(echo.status, await echo.clone().text()).toBe(200)
    expect(await echo.json()).toEqual({
      method: 'POST',
      query: { tag: ['a', 'b c'] },
      body: { note: ['x+y=z & more', 'é'] },
    })
    const json = await connection.fetch('/oauth1/echo', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ a: 1 }),
    })
    expect(json.status).toBe(200)
  })

  it('signs requests sent through the HTTP proxy, streamed form body included', async () => {
    const { id } = await browse(h, 'oauth1')
    const answer = await fetch(`${h.server.url}/proxy/oauth1/echo?tag=x`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${h.apiKey}`,
        'connection-id': id!,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'note=a+b&note=%C3%A9',
    })
    expect(answer.status, await answer.clone().text()).toBe(200)
    expect(await answer.json()).toEqual({
      method: 'POST',
      query: { tag: 'x' },
      body: { note: ['a b', 'é'] },
    })
  })

  it('keeps the request-token secret out of every URL and page the browser sees, and out of the database file', async () => {
    const before = requestTokenSecrets.length
    const flow = await browse(h, 'oauth1')
    expect(flow.id).not.toBeNull()
    expect(requestTokenSecrets.length).toBe(before + 1)
    const secret = requestTokenSecrets.at(-1)!
    expect(secret.length).toBeGreaterThanOrEqual(20)
    expect(flow.seen).not.toContain(secret)
    expect(flow.seen).not.toContain(encodeURIComponent(secret))
    const credentials = await credentialsOf(h, flow.id!)
    const file = readFileSync(h.dbPath)
    for (const value of [secret, credentials.token, credentials.token_secret, client.clientSecret]) {
      expect(file.includes(Buffer.from(value))).toBe(false)
    }
  })

  it('has its signatures checked by the sandbox: a tampered one is refused', async () => {
    const { id } = await browse(h, 'oauth1')
    const credentials = await credentialsOf(h, id!)
    const sign = (consumerSecret: string) =>
      signRequest({
        method: 'GET',
        url: `${h.sandbox.url}/oauth1/me`,
        consumerKey: client.clientId,
        consumerSecret,
        token: credentials.token,
        tokenSecret: credentials.token_secret,
        signatureMethod: 'HMAC-SHA1',
      }).authorization
    const good = await fetch(`${h.sandbox.url}/oauth1/me`, {
      headers: { authorization: sign(client.clientSecret) },
    })
    expect(good.status).toBe(200)
    const tampered = sign(client.clientSecret).replace(
      /oauth_signature="[^"]{4}/,
      'oauth_signature="AAAA',
    )
    const refused = await fetch(`${h.sandbox.url}/oauth1/me`, {
      headers: { authorization: tampered },
    })
    expect(refused.status).toBe(401)
    expect(new URLSearchParams(await refused.text()).get('oauth_problem')).toBe('signature_invalid')
    const wrongSecret = await fetch(`${h.sandbox.url}/oauth1/me`, {
      headers: { authorization: sign('not-the-secret') },
    })
    expect(wrongSecret.status).toBe(401)
  })

  it('marks the connection needs_reauth once the provider revokes its token', async () => {
    const { id } = await browse(h, 'oauth1')
    const connection = h.patchbay.connection(id!)
    expect((await connection.fetch('/oauth1/invalidate_token', { method: 'POST' })).status).toBe(
      200,
    )
    const after = await callCapability(h, id!, 'get_user_info')
    expect(after.body.error?.code).toBe('needs_reauth')
    const shown = await h.api('GET', `/connections/${id}`)
    expect(shown.body.status).toBe('needs_reauth')
    expect(h.events).toContainEqual(
      expect.objectContaining({ type: 'connection.needs_reauth', connectionId: id }),
    )
  })

  it('re-authorizes a connection that needs it', async () => {
    const first = await browse(h, 'oauth1')
    await h.patchbay.connection(first.id!).fetch('/oauth1/invalidate_token', { method: 'POST' })
    await callCapability(h, first.id!, 'get_user_info')
    const again = await browse(h, 'oauth1', 'approve', { connection_id: first.id })
    expect(again.id).toBe(first.id)
    const shown = await h.api('GET', `/connections/${first.id}`)
    expect(shown.body.status).toBe('active')
    expect((await callCapability(h, first.id!, 'get_user_info')).status).toBe(200)
  })

  it('refuses a replayed callback with state_mismatch and stores nothing', async () => {
    const flow = await browse(h, 'oauth1')
    const before = (await h.api('GET', '/connections')).body.connections.length
    const replay = await fetch(flow.callbackUrl, { redirect: 'manual', headers: { cookie: flow.cookie } })
    expect(replay.status).toBe(400)
    expect(await replay.text()).toContain('state_mismatch')
    expect((await h.api('GET', '/connections')).body.connections.length).toBe(before)
  })

  it('refuses a callback in a browser that did not start the flow, without burning it (#8)', async () => {
    const flow = await browse(h, 'oauth1', 'approve', {}, false)
    expect(flow.landing.status).toBe(400)
    expect(flow.landingHtml).toContain('state_mismatch')
    const landing = await fetch(flow.callbackUrl, {
      redirect: 'manual',
      headers: { cookie: flow.cookie },
    })
    expect(landing.status).toBe(200)
    expect(await landing.text()).toContain('Connected')
  })

  it('reports a denied authorization on the redirect target', async () => {
    const redirect = `${h.server.url}/done`
    const flow = await browse(h, 'oauth1', 'deny', { redirect })
    expect(flow.landing.status).toBe(302)
    const target = new URL(flow.landing.headers.get('location') as string)
    expect(target.origin + target.pathname).toBe(redirect)
    expect(target.searchParams.get('error')).toBe('unauthorized')
    expect(target.searchParams.get('error_description')).toContain('access_denied')
  })

  it('connects with HMAC-SHA256 signatures too', async () => {
    await putConnector(h, 'sandbox-oauth1-sha256', oauth1Connector(h.sandbox.url, 'HMAC-SHA256'))
    await putIntegration(h, 'oauth1-sha256', 'sandbox-oauth1-sha256', client)
    const { id } = await browse(h, 'oauth1-sha256')
    expect(id).not.toBeNull()
    expect((await callCapability(h, id!, 'get_user_info')).body.response.account_name).toBe(
      'sandbox-user',
    )
  })

  it('calls a capability with OAuth 1 tokens and a consumer given inline', async () => {
    const { id } = await browse(h, 'oauth1')
    const credentials = await credentialsOf(h, id!)
    const envelope = await h.patchbay.call('sandbox-oauth1', 'get_user_info', {
      auth: {
        token: credentials.token,
        token_secret: credentials.token_secret,
        client_id: client.clientId,
        client_secret: client.clientSecret,
      },
      request: {},
    })
    expect(envelope.error).toBeNull()
    expect(envelope.response).toMatchObject({ account_name: 'sandbox-user' })
  })

  it('runs Appmixer-style overrides: requestRequestToken, authUrl, requestAccessToken, validateAccessToken', async () => {
    overridesCalled.length = 0
    const { id } = await browse(h, 'oauth1-code')
    expect(id).not.toBeNull()
    expect(overridesCalled).toEqual([
      'requestRequestToken',
      'authUrl',
      'requestAccessToken',
      'validateAccessToken',
    ])
    const info = await callCapability(h, id!, 'get_user_info')
    expect(info.body.response).toMatchObject({ account_name: 'sandbox-user' })
    // A revoked token: validateAccessToken's InvalidTokenError marks the connection.
    await h.patchbay.connection(id!).fetch('/oauth1/invalidate_token', { method: 'POST' })
    const after = await callCapability(h, id!, 'validate_credentials')
    expect(after.body.error?.code).toBe('needs_reauth')
    expect((await h.api('GET', `/connections/${id}`)).body.status).toBe('needs_reauth')
  })
})
